import type { IncomingHttpHeaders } from "node:http";
import type { CallContext } from "../context.js";

/** What a unary handler gets: the path's parameters, the query, the body and the headers. */
export interface RestRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: Buffer;
  readonly headers: IncomingHttpHeaders;
}

/** What a unary handler answers: a status, a JSON value or raw bytes, and headers. */
export interface RestReply {
  readonly status: number;
  /** JSON body; absent with `bytes` or for an empty body. */
  readonly json?: unknown;
  /** Raw body (protobuf), sent with its content type in `headers`. */
  readonly bytes?: Uint8Array;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A unary REST operation on the model. */
export type UnaryHandler = (context: CallContext, request: RestRequest) => Promise<RestReply>;

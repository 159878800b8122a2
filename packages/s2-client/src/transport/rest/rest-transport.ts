import type * as http2 from "node:http2";
import { linkAbort } from "@retrykit/retry-core";
import type { ReadSessionRequest } from "@retrykit/s2-proto";
import type { ResolvedConfig } from "../../config.js";
import { S2Error } from "../../errors.js";
import type {
  AppendStream,
  ReadSessionProtocol,
  ReadStream,
  Transport,
  UnaryCallContext,
  UnaryOperation,
  UnaryOperations,
} from "../transport.js";
import { H2Connections } from "./h2-connections.js";
import { connectionError, restError, timeoutError } from "./rest-errors.js";
import {
  REST_OPERATIONS,
  type RestAnswer,
  type RestRequest,
  readQuery,
} from "./rest-operations.js";
import { S2sAppendStream, S2sReadStream } from "./s2s-streams.js";
import { SseReadStream } from "./sse-read-stream.js";

const USER_AGENT = "retrykit-s2-client/0.1.0";
const S2S = "s2s/proto";

/**
 * The REST v1 transport: unary calls over the platform's `fetch` (JSON for the control plane,
 * `application/protobuf` for appends and reads), append and read sessions over `node:http2` with
 * the s2s framing, and read sessions as server-sent events on request.
 *
 * @internal
 */
export class RestTransport implements Transport {
  readonly kind = "rest";
  readonly #config: ResolvedConfig;
  readonly #h2 = new H2Connections();
  #closed = false;

  constructor(config: ResolvedConfig) {
    this.#config = config;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
    this.#h2.close();
  }

  #checkOpen(): void {
    if (this.#closed)
      throw new S2Error("the client is closed", { code: 1 /* CANCELLED */, retryable: false });
  }

  #headers(basinHeader: string | undefined): Record<string, string> {
    const headers: Record<string, string> = {
      authorization: this.#config.accessToken.bearer(),
      "user-agent": USER_AGENT,
    };
    if (basinHeader !== undefined) headers["s2-basin"] = basinHeader;
    return headers;
  }

  unary<Op extends UnaryOperation>(
    operation: Op,
    request: UnaryOperations[Op][0],
    context: UnaryCallContext,
  ): Promise<UnaryOperations[Op][1]> {
    if (context.signal?.aborted) return Promise.reject(context.signal.reason);
    try {
      this.#checkOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    const op = REST_OPERATIONS[operation];
    if (operation === "RevokeAccessToken") return this.#revoke(request as never, context) as never;
    return this.#send(op.request(request), context, op.answers).then((answer) =>
      op.response(answer, request),
    );
  }

  // REST answers a revoke with no body, but the client returns the revoked token's description:
  // it is looked up first (a listing never changes anything, so this stays one safe attempt).
  async #revoke(
    request: UnaryOperations["RevokeAccessToken"][0],
    context: UnaryCallContext,
  ): Promise<UnaryOperations["RevokeAccessToken"][1]> {
    const list = REST_OPERATIONS.ListAccessTokens;
    const listed = list.response(
      await this.#send(list.request({ prefix: request.id, startAfter: "", limit: 1000n }), context),
      { prefix: request.id, startAfter: "" },
    );
    await this.#send(REST_OPERATIONS.RevokeAccessToken.request(request), context);
    return {
      info: listed.accessTokens.find((token) => token.id === request.id) ?? {
        id: request.id,
        autoPrefixStreams: false,
      },
    };
  }

  async #send(
    request: RestRequest,
    context: UnaryCallContext,
    answers: readonly number[] = [],
  ): Promise<RestAnswer> {
    const endpoints = this.#config.endpoints;
    const route =
      request.scope === "account"
        ? { baseUrl: endpoints.accountUrl, basinHeader: undefined }
        : endpoints.restRoute(context.basin as string);
    const headers = this.#headers(route.basinHeader);
    if (context.requestToken !== undefined) headers["s2-request-token"] = context.requestToken;
    let body: BodyInit | undefined;
    if (request.protobuf !== undefined) {
      headers["content-type"] = "application/protobuf";
      body = request.protobuf as unknown as BodyInit;
    } else if (request.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(request.json);
    }
    if (request.acceptProtobuf) headers.accept = "application/protobuf";

    // One controller per attempt, aborted by the caller's signal or the attempt's time limit;
    // both are removed when the attempt ends, so nothing outlives it.
    const controller = new AbortController();
    const caller = context.signal;
    // One listener per signal however many calls share it (no MaxListenersExceededWarning).
    const unlink =
      caller === undefined ? undefined : linkAbort(caller, (reason) => controller.abort(reason));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, context.timeout);
    try {
      const response = await fetch(route.baseUrl + request.path, {
        method: request.method,
        headers,
        body,
        signal: controller.signal,
      });
      const type = response.headers.get("content-type") ?? "";
      if (response.ok || answers.includes(response.status)) {
        if (type.startsWith("application/protobuf") || type.startsWith("application/x-protobuf"))
          return {
            status: response.status,
            json: undefined,
            bytes: new Uint8Array(await response.arrayBuffer()),
          };
        const text = await response.text();
        return {
          status: response.status,
          json: text === "" ? undefined : JSON.parse(text),
          bytes: undefined,
        };
      }
      throw restError(response.status, await response.text(), response.headers);
    } catch (error) {
      if (caller?.aborted) throw caller.reason;
      if (timedOut) throw timeoutError(context.timeout, error);
      if (S2Error.is(error)) throw error;
      throw connectionError(error);
    } finally {
      clearTimeout(timer);
      unlink?.();
    }
  }

  #sessionHeaders(
    method: "GET" | "POST",
    basin: string,
    path: string,
  ): { origin: string; headers: http2.OutgoingHttpHeaders } {
    const route = this.#config.endpoints.restRoute(basin);
    const url = new URL(route.baseUrl + path);
    const headers: http2.OutgoingHttpHeaders = {
      ...this.#headers(route.basinHeader),
      ":method": method,
      ":path": url.pathname + url.search,
      "content-type": S2S,
      accept: "application/protobuf",
    };
    if (this.#config.enableCompression) headers["accept-encoding"] = "gzip";
    return { origin: url.origin, headers };
  }

  appendSession(basin: string, stream: string): AppendStream {
    this.#checkOpen();
    const { origin, headers } = this.#sessionHeaders(
      "POST",
      basin,
      `/streams/${encodeURIComponent(stream)}/records`,
    );
    return new S2sAppendStream(
      this.#h2.get(origin),
      headers,
      this.#config.enableCompression ? "gzip" : "none",
    );
  }

  readSession(
    basin: string,
    request: ReadSessionRequest,
    protocol: ReadSessionProtocol,
  ): ReadStream {
    this.#checkOpen();
    const path = `/streams/${encodeURIComponent(request.stream)}/records${readQuery(request)}`;
    if (protocol === "sse") {
      const route = this.#config.endpoints.restRoute(basin);
      return new SseReadStream(route.baseUrl + path, this.#headers(route.basinHeader));
    }
    const { origin, headers } = this.#sessionHeaders("GET", basin, path);
    try {
      return new S2sReadStream(this.#h2.get(origin), headers);
    } catch (error) {
      throw connectionError(error);
    }
  }
}

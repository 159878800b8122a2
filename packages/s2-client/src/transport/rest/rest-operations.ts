import type * as proto from "@retrykit/s2-proto";
import * as v1 from "@retrykit/s2-proto/v1";
import type { UnaryOperation, UnaryOperations } from "../transport.js";
import {
  accessTokenInfoMessage,
  basinConfigJson,
  basinConfigMessage,
  basinInfoMessage,
  issueAccessTokenJson,
  type Json,
  streamConfigJson,
  streamConfigMessage,
  streamInfoMessage,
  tailOf,
} from "./rest-json.js";

/** One REST request, before the base URL and the common headers are added. @internal */
export interface RestRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  /** Path after `/v1`, its parameters already percent-encoded. */
  readonly path: string;
  /** Account endpoint, or the basin endpoint of the call's basin. */
  readonly scope: "account" | "basin";
  readonly json?: unknown;
  /** A protobuf body (`application/protobuf`). */
  readonly protobuf?: Uint8Array;
  /** Ask for a protobuf answer (`Accept: application/protobuf`). */
  readonly acceptProtobuf?: boolean;
}

/** What came back: the status and the body, as JSON, bytes, or nothing. @internal */
export interface RestAnswer {
  readonly status: number;
  readonly json: unknown;
  readonly bytes: Uint8Array | undefined;
}

/** How one operation travels over REST: its request, and how its answer reads. @internal */
export interface RestOperation<Op extends UnaryOperation> {
  request(message: UnaryOperations[Op][0]): RestRequest;
  response(answer: RestAnswer, message: UnaryOperations[Op][0]): UnaryOperations[Op][1];
  /** Statuses besides 2xx that are an answer rather than a failure (416 for reads). */
  readonly answers?: readonly number[];
}

const segment = encodeURIComponent;

function query(params: Record<string, string | number | bigint | boolean | undefined>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === "") continue;
    parts.push(`${key}=${encodeURIComponent(String(value))}`);
  }
  return parts.length === 0 ? "" : `?${parts.join("&")}`;
}

const listQuery = (m: { prefix: string; startAfter: string; limit?: bigint | undefined }) =>
  query({ prefix: m.prefix, start_after: m.startAfter, limit: m.limit });

const body = (answer: RestAnswer): Json =>
  typeof answer.json === "object" && answer.json !== null ? (answer.json as Json) : {};

/** The query of a read or read session: start, limits, `until`, `clamp`. @internal */
export function readQuery(request: proto.ReadRequest | proto.ReadSessionRequest): string {
  const start = request.start;
  return query({
    seq_num: start?.$case === "seqNum" ? start.seqNum : undefined,
    timestamp: start?.$case === "timestamp" ? start.timestamp : undefined,
    tail_offset: start?.$case === "tailOffset" ? start.tailOffset : undefined,
    count: request.limit?.count || undefined,
    bytes: request.limit?.bytes || undefined,
    until: request.until,
    clamp: request.clamp || undefined,
  });
}

/** An `AppendAck` as the client's acknowledgement shape. @internal */
export function appendOutputOfAck(ack: v1.AppendAck): proto.AppendOutput {
  return {
    startSeqNum: ack.start?.seqNum ?? 0n,
    endSeqNum: ack.end?.seqNum ?? 0n,
    nextSeqNum: ack.tail?.seqNum ?? 0n,
    startTimestamp: ack.start?.timestamp ?? 0n,
    endTimestamp: ack.end?.timestamp ?? 0n,
    lastTimestamp: ack.tail?.timestamp ?? 0n,
  };
}

const streamPath = (stream: string) => `/streams/${segment(stream)}`;

/**
 * Every unary operation over REST v1: JSON for the control plane, protobuf (`s2.v1`) bodies for
 * appends and reads, so records stay binary with no base64.
 *
 * @internal
 */
export const REST_OPERATIONS: { readonly [Op in UnaryOperation]: RestOperation<Op> } = {
  ListBasins: {
    request: (m) => ({ method: "GET", path: `/basins${listQuery(m)}`, scope: "account" }),
    response: (a) => ({
      basins: ((body(a).basins as unknown[]) ?? []).map(basinInfoMessage),
      hasMore: body(a).has_more === true,
    }),
  },
  CreateBasin: {
    request: (m) => ({
      method: "POST",
      path: "/basins",
      scope: "account",
      json: { basin: m.basin, config: basinConfigJson(m.config) },
    }),
    response: (a) => ({ info: basinInfoMessage(a.json) }),
  },
  DeleteBasin: {
    request: (m) => ({ method: "DELETE", path: `/basins/${segment(m.basin)}`, scope: "account" }),
    response: () => ({}),
  },
  GetBasinConfig: {
    request: (m) => ({ method: "GET", path: `/basins/${segment(m.basin)}`, scope: "account" }),
    response: (a) => ({ config: basinConfigMessage(a.json) }),
  },
  ReconfigureBasin: {
    request: (m) => ({
      method: "PATCH",
      path: `/basins/${segment(m.basin)}`,
      scope: "account",
      json: basinConfigJson(m.config, m.mask ?? []),
    }),
    response: (a) => ({ config: basinConfigMessage(a.json) }),
  },
  IssueAccessToken: {
    request: (m) => ({
      method: "POST",
      path: "/access-tokens",
      scope: "account",
      json: issueAccessTokenJson(m.info),
    }),
    response: (a) => ({
      accessToken: typeof body(a).access_token === "string" ? (body(a).access_token as string) : "",
    }),
  },
  RevokeAccessToken: {
    // REST answers a revoke with no body; the transport looks the token up first (see there).
    request: (m) => ({
      method: "DELETE",
      path: `/access-tokens/${segment(m.id)}`,
      scope: "account",
    }),
    response: (_a, m) => ({ info: { id: m.id, autoPrefixStreams: false } }),
  },
  ListAccessTokens: {
    request: (m) => ({ method: "GET", path: `/access-tokens${listQuery(m)}`, scope: "account" }),
    response: (a) => ({
      accessTokens: ((body(a).access_tokens as unknown[]) ?? []).map(accessTokenInfoMessage),
      hasMore: body(a).has_more === true,
    }),
  },
  ListStreams: {
    request: (m) => ({ method: "GET", path: `/streams${listQuery(m)}`, scope: "basin" }),
    response: (a) => ({
      streams: ((body(a).streams as unknown[]) ?? []).map(streamInfoMessage),
      hasMore: body(a).has_more === true,
    }),
  },
  CreateStream: {
    request: (m) => {
      const json: Json = { stream: m.stream };
      const config = streamConfigJson(m.config);
      if (Object.keys(config).length > 0) json.config = config;
      return { method: "POST", path: "/streams", scope: "basin", json };
    },
    response: (a) => ({ info: streamInfoMessage(a.json) }),
  },
  DeleteStream: {
    request: (m) => ({ method: "DELETE", path: streamPath(m.stream), scope: "basin" }),
    response: () => ({}),
  },
  GetStreamConfig: {
    request: (m) => ({ method: "GET", path: streamPath(m.stream), scope: "basin" }),
    response: (a) => ({ config: streamConfigMessage(a.json) }),
  },
  ReconfigureStream: {
    request: (m) => ({
      method: "PATCH",
      path: streamPath(m.stream),
      scope: "basin",
      json: streamConfigJson(m.config, m.mask ?? []),
    }),
    response: (a) => ({ config: streamConfigMessage(a.json) }),
  },
  CheckTail: {
    request: (m) => ({
      method: "GET",
      path: `${streamPath(m.stream)}/records/tail`,
      scope: "basin",
    }),
    response: (a) => {
      const tail = tailOf(a.json);
      return { nextSeqNum: tail.seqNum, lastTimestamp: tail.timestamp };
    },
  },
  Append: {
    request: (m) => ({
      method: "POST",
      path: `${streamPath(m.input?.stream ?? "")}/records`,
      scope: "basin",
      // The v1alpha input has the v1 fields (records, match_seq_num, fencing_token) and one more
      // (`stream`) that the v1 encoder does not know and leaves out.
      protobuf: v1.AppendInput.encode(m.input as v1.AppendInput).finish(),
      acceptProtobuf: true,
    }),
    response: (a) => ({
      output: appendOutputOfAck(v1.AppendAck.decode(a.bytes ?? new Uint8Array())),
    }),
  },
  Read: {
    request: (m) => ({
      method: "GET",
      path: `${streamPath(m.stream)}/records${readQuery(m)}`,
      scope: "basin",
      acceptProtobuf: true,
    }),
    answers: [416],
    response: (a) => {
      if (a.status === 416)
        return { output: { output: { $case: "nextSeqNum", nextSeqNum: tailOf(a.json).seqNum } } };
      const batch = v1.ReadBatch.decode(a.bytes ?? new Uint8Array());
      return { output: { output: { $case: "batch", batch: { records: batch.records } } } };
    },
  },
};

import { Operation } from "@retrykit/s2-proto";
import * as v1 from "@retrykit/s2-proto/v1";
import type { CallContext } from "../context.js";
import { appendBatch, checkTail as checkTailRpc, openStream } from "../services/stream.js";
import type { RestReply, RestRequest } from "./handler.js";
import { headerOf, mediaType } from "./http-io.js";
import { parseJson } from "./json-check.js";
import { parseReadQuery, readOnce } from "./read-loop.js";
import {
  appendAck,
  appendAckToJson,
  appendInputFromJson,
  appendInputFromProto,
  batchToJson,
  batchToProto,
  positionToJson,
  recordFormat,
} from "./record-json.js";
import { badJson, restError } from "./rest-error.js";

const PROTOBUF_TYPES = new Set(["application/protobuf", "application/x-protobuf"]);

/** Whether a request asks for protobuf (`Accept: application/protobuf`, the first type only). */
export function wantsProtobuf(request: RestRequest): boolean {
  return PROTOBUF_TYPES.has(mediaType(headerOf(request.headers, "accept")) ?? "");
}

function refuseEncryption(request: RestRequest): void {
  if (headerOf(request.headers, "s2-encryption-key") !== undefined) {
    throw restError("invalid", "s2-encryption-key: the emulator does not encrypt streams");
  }
}

/** `GET /streams/{stream}/records/tail`. */
export async function checkTail(context: CallContext, request: RestRequest): Promise<RestReply> {
  const tail = await checkTailRpc(context, { stream: request.params.stream! });
  return {
    status: 200,
    json: { tail: positionToJson({ seqNum: tail.nextSeqNum, timestamp: tail.lastTimestamp }) },
  };
}

/** `POST /streams/{stream}/records` with a JSON or protobuf body: one atomic batch. */
export async function append(context: CallContext, request: RestRequest): Promise<RestReply> {
  const stream = request.params.stream!;
  const format = recordFormat(headerOf(request.headers, "s2-format"));
  refuseEncryption(request);
  const type = mediaType(headerOf(request.headers, "content-type"));
  let input: ReturnType<typeof appendInputFromProto>;
  if (type !== undefined && PROTOBUF_TYPES.has(type)) {
    input = appendInputFromProto(request.body, stream);
  } else if (type === "application/json") {
    input = appendInputFromJson(parseJson(request.body), format, stream);
  } else {
    throw badJson("Expected request with `Content-Type: application/json`");
  }
  const ack = appendAck(await appendBatch(context, input, stream));
  if (wantsProtobuf(request)) {
    return {
      status: 200,
      bytes: v1.AppendAck.encode(ack).finish(),
      headers: { "content-type": "application/protobuf" },
    };
  }
  return { status: 200, json: appendAckToJson(ack) };
}

/** `GET /streams/{stream}/records` as JSON or protobuf: one bounded batch. */
export async function read(context: CallContext, request: RestRequest): Promise<RestReply> {
  const format = recordFormat(headerOf(request.headers, "s2-format"));
  refuseEncryption(request);
  const params = parseReadQuery(request.query);
  const stream = await openStream(
    context,
    Operation.OPERATION_READ,
    request.params.stream!,
    "read",
  );
  const batch = await readOnce(context, stream, params);
  if (wantsProtobuf(request)) {
    return {
      status: 200,
      bytes: batchToProto(batch),
      headers: { "content-type": "application/protobuf" },
    };
  }
  return { status: 200, json: batchToJson(batch, format) };
}

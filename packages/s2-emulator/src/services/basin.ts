import { status } from "@grpc/grpc-js";
import {
  type CreateStreamRequest,
  CreateStreamResponse,
  type DeleteStreamRequest,
  type DeleteStreamResponse,
  type GetStreamConfigRequest,
  type GetStreamConfigResponse,
  type ListStreamsRequest,
  type ListStreamsResponse,
  Operation,
  type ReconfigureStreamRequest,
  type ReconfigureStreamResponse,
  type StreamInfo,
} from "@retrykit/s2-proto";
import { authorize, visible } from "../auth.js";
import { normalizeStreamConfig, reconfigureStream } from "../config.js";
import {
  basinOf,
  type CallContext,
  fullStreamName,
  idempotent,
  visibleStreamName,
} from "../context.js";
import { EmulatorError } from "../emulator-error.js";
import { validateStreamName } from "../limits.js";
import type { Stream } from "../model/stream.js";
import { page } from "./account.js";

function streamInfo(context: CallContext, stream: Stream): StreamInfo {
  return {
    name: visibleStreamName(context, stream.name),
    createdAt: stream.createdAt,
    deletedAt: stream.deletedAt,
  };
}

/** The basin and the full stream name of a stream RPC, after the permission check. */
export function target(
  context: CallContext,
  op: Operation,
  name: string,
): { basinName: string; streamName: string } {
  const basinName = basinOf(context);
  const streamName = fullStreamName(context, name);
  authorize(context.principal, op, { basin: basinName, stream: streamName });
  validateStreamName(streamName);
  return { basinName, streamName };
}

/** ListStreams, with the token's auto prefix applied to the filter and stripped from names. */
export async function listStreams(
  context: CallContext,
  request: ListStreamsRequest,
): Promise<ListStreamsResponse> {
  const basinName = basinOf(context);
  authorize(context.principal, Operation.OPERATION_LIST_STREAMS, { basin: basinName });
  const account = context.core.account;
  const basin = account.basin(basinName);
  const now = account.now();
  for (const stream of [...basin.streams.values()]) {
    if (stream.deletedAt !== undefined) continue;
    stream.expire(now);
    if (stream.isEmptyAndIdle(now)) await account.deleteStream(basin, stream);
  }
  const streams = [...basin.streams.values()].filter((stream) =>
    visible(context.principal, "stream", stream.name),
  );
  const startAfter = request.startAfter === "" ? "" : fullStreamName(context, request.startAfter);
  const result = page(
    streams,
    (stream) => stream.name,
    fullStreamName(context, request.prefix),
    startAfter,
    request.limit,
  );
  return {
    streams: result.items.map((stream) => streamInfo(context, stream)),
    hasMore: result.hasMore,
  };
}

/** CreateStream, idempotent per `s2-request-token`. */
export async function createStream(
  context: CallContext,
  request: CreateStreamRequest,
): Promise<CreateStreamResponse> {
  const { basinName, streamName } = target(
    context,
    Operation.OPERATION_CREATE_STREAM,
    request.stream,
  );
  const config = normalizeStreamConfig(
    request.config ?? context.core.account.basin(basinName).config.defaultStreamConfig,
  );
  return idempotent(context, basinName, request, CreateStreamResponse, async (remember) => {
    const account = context.core.account;
    const basin = account.basin(basinName);
    const existing = basin.streams.get(streamName);
    if (existing?.deletedAt !== undefined) {
      throw new EmulatorError(
        status.FAILED_PRECONDITION,
        `stream ${JSON.stringify(request.stream)} is being deleted`,
      );
    }
    if (existing !== undefined) {
      throw new EmulatorError(
        status.ALREADY_EXISTS,
        `stream ${JSON.stringify(request.stream)} already exists`,
      );
    }
    let response: CreateStreamResponse | undefined;
    await account.createStream(basin, streamName, config, (stream) => {
      response = { info: streamInfo(context, stream) };
      remember(response);
    });
    return response!;
  });
}

/** DeleteStream: marked deleted at once, gone after the deletion delay. */
export async function deleteStream(
  context: CallContext,
  request: DeleteStreamRequest,
): Promise<DeleteStreamResponse> {
  const { basinName, streamName } = target(
    context,
    Operation.OPERATION_DELETE_STREAM,
    request.stream,
  );
  const account = context.core.account;
  const basin = account.basin(basinName);
  const stream = basin.streams.get(streamName);
  if (stream === undefined) {
    throw new EmulatorError(
      status.NOT_FOUND,
      `stream ${JSON.stringify(request.stream)} does not exist`,
    );
  }
  if (stream.deletedAt === undefined) await account.deleteStream(basin, stream);
  return {};
}

/** GetStreamConfig: always with its retention policy. */
export async function getStreamConfig(
  context: CallContext,
  request: GetStreamConfigRequest,
): Promise<GetStreamConfigResponse> {
  const { basinName, streamName } = target(
    context,
    Operation.OPERATION_GET_STREAM_CONFIG,
    request.stream,
  );
  const account = context.core.account;
  const stream = await account.stream(account.basin(basinName), streamName);
  return { config: stream.config };
}

/** ReconfigureStream, with a field mask. */
export async function reconfigureStreamRpc(
  context: CallContext,
  request: ReconfigureStreamRequest,
): Promise<ReconfigureStreamResponse> {
  const { basinName, streamName } = target(
    context,
    Operation.OPERATION_RECONFIGURE_STREAM,
    request.stream,
  );
  const account = context.core.account;
  const stream = await account.stream(account.basin(basinName), streamName);
  stream.config = reconfigureStream(stream.config, request.config, request.mask);
  await account.persist();
  return { config: stream.config };
}

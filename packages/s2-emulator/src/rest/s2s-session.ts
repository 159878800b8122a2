import { status } from "@grpc/grpc-js";
import { Operation } from "@retrykit/s2-proto";
import * as v1 from "@retrykit/s2-proto/v1";
import {
  encodeS2sMessage,
  encodeS2sTerminal,
  negotiateS2sCompression,
  S2S_CONTENT_TYPE,
  type S2sCompression,
  S2sFrameDecoder,
  S2sFrameError,
} from "@retrykit/s2-proto/v1";
import type { CallContext } from "../context.js";
import { EmulatorError } from "../emulator-error.js";
import { appendBatch, openStream } from "../services/stream.js";
import { type RestCall, sessionBreakOf } from "./call.js";
import {
  endStream,
  type HttpRequest,
  type HttpResponse,
  headerOf,
  startStream,
  writeChunk,
} from "./http-io.js";
import { type ReadParams, readSession, startOfSession } from "./read-loop.js";
import { appendAck, appendInputFromProto, batchToProto } from "./record-json.js";
import { type RestError, restError, toRestError } from "./rest-error.js";

/** The error that ends a session cut by a `break-after` fault. */
function cut(call: RestCall): RestError {
  sessionBreakOf(call)?.broke();
  return restError("unavailable", "injected fault: session broken");
}

/** Options of an s2s session. */
interface Session {
  readonly context: CallContext;
  readonly call: RestCall;
  readonly request: HttpRequest;
  readonly response: HttpResponse;
  readonly stream: string;
}

/** Whether the next regular frame (after `sent` of them) carries the reconnect-advised flag. */
function advise(call: RestCall, sent: number): boolean {
  const after = call.plan?.reconnectAfter;
  if (after === undefined || sent < after) return false;
  call.plan?.advisedReconnect();
  return true;
}

function compressionOf(request: HttpRequest): S2sCompression {
  return negotiateS2sCompression(headerOf(request.headers, "accept-encoding"));
}

/**
 * The error to end a session with when its call was aborted by the server (shutdown), or
 * `undefined` when the client went away (there is no one to tell).
 */
export function serverAbort(signal: AbortSignal): unknown {
  if (!signal.aborted) return undefined;
  const reason: unknown = signal.reason;
  return reason instanceof EmulatorError && reason.code === status.CANCELLED ? undefined : reason;
}

/** Writes a terminal frame for `error` and ends the response (unless the client is gone). */
async function terminate(session: Session, error: unknown): Promise<void> {
  const { response, call } = session;
  const signal = call.controller.signal;
  if ((signal.aborted && serverAbort(signal) === undefined) || response.destroyed) return;
  const restError = toRestError(error);
  await writeChunk(
    response,
    encodeS2sTerminal(restError.status, restError.body),
    new AbortController().signal,
  );
  endStream(response);
}

/**
 * An s2s append session (`POST .../records`, `Content-Type: s2s/proto`, over HTTP/2): each
 * regular frame is one `AppendInput`, applied in order and answered by one `AppendAck` frame; the
 * first failure ends the session with a terminal frame and later inputs are not applied. The
 * client's end of the request ends the session once every input is acknowledged.
 */
export async function appendSession(session: Session): Promise<void> {
  const { context, call, request, response, stream } = session;
  const signal = call.controller.signal;
  // Errors before the session is established are ordinary HTTP errors.
  await openStream(context, Operation.OPERATION_APPEND, stream, "append");
  const breakFault = sessionBreakOf(call);
  const compression = compressionOf(request);
  startStream(response, { "content-type": S2S_CONTENT_TYPE });
  const decoder = new S2sFrameDecoder();
  let acknowledged = 0;
  try {
    if (breakFault?.afterMessages === 0) throw cut(call);
    for await (const chunk of request as AsyncIterable<Buffer>) {
      for (const frame of decoder.push(chunk)) {
        if (frame.kind === "terminal") {
          throw restError("bad_frame", "a client must not send a terminal frame");
        }
        const input = appendInputFromProto(frame.payload, stream);
        const ack = appendAck(await appendBatch(context, input, stream));
        if (signal.aborted) return;
        await writeChunk(
          response,
          encodeS2sMessage(v1.AppendAck.encode(ack).finish(), {
            compression,
            reconnectAdvised: advise(call, acknowledged),
          }),
          signal,
        );
        acknowledged++;
        if (breakFault !== undefined && acknowledged >= breakFault.afterMessages) throw cut(call);
      }
    }
    decoder.finish();
    endStream(response);
  } catch (error) {
    if (signal.aborted) return;
    await terminate(
      session,
      error instanceof S2sFrameError ? restError("bad_frame", error.message) : error,
    );
  }
}

/**
 * An s2s read session (`GET .../records`, `Content-Type: s2s/proto`): regular frames carry
 * `ReadBatch`es, heartbeats are empty batches with the tail; a normal end has no terminal frame,
 * an error mid-session has one.
 */
export async function readSessionS2s(session: Session, params: ReadParams): Promise<void> {
  const { context, call, request, response, stream: name } = session;
  const signal = call.controller.signal;
  const stream = await openStream(context, Operation.OPERATION_READ, name, "read");
  const start = startOfSession(stream, params);
  const breakFault = sessionBreakOf(call);
  const compression = compressionOf(request);
  startStream(response, { "content-type": S2S_CONTENT_TYPE });
  let sent = 0;
  try {
    if (breakFault?.afterMessages === 0) throw cut(call);
    for await (const batch of readSession(context, stream, params, start)) {
      const frame = encodeS2sMessage(batchToProto(batch), {
        compression,
        reconnectAdvised: advise(call, sent),
      });
      await writeChunk(response, frame, signal);
      sent++;
      if (breakFault !== undefined && sent >= breakFault.afterMessages) throw cut(call);
    }
    // A session ended by shutdown must not look like a read that reached its end.
    const aborted = serverAbort(signal);
    if (aborted !== undefined) throw aborted;
    endStream(response);
  } catch (error) {
    await terminate(session, error);
  }
}

import type * as http2 from "node:http2";
import { constants } from "node:http2";
import type { AppendInput, ReadOutput } from "@retrykit/s2-proto";
import * as v1 from "@retrykit/s2-proto/v1";
import { S2Error } from "../../errors.js";
import type { AppendAckEvent, AppendStream, ReadEvent, ReadStream } from "../transport.js";
import { connectionError, restError } from "./rest-errors.js";
import { tailOf } from "./rest-json.js";
import { appendOutputOfAck } from "./rest-operations.js";

type Headers = http2.IncomingHttpHeaders;

const headerGetter = (headers: Headers) => ({
  get: (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  },
});

/**
 * One s2s request on an HTTP/2 connection: its response headers as a promise, its body decoded
 * frame by frame, and failures as `S2Error`s (an error answer before the session, a terminal
 * frame, a broken framing or connection).
 */
class S2sCall {
  readonly request: http2.ClientHttp2Stream;
  readonly #response: Promise<Headers>;
  #cancelled = false;

  constructor(
    session: http2.ClientHttp2Session,
    headers: http2.OutgoingHttpHeaders,
    endStream: boolean,
  ) {
    let request: http2.ClientHttp2Stream;
    try {
      request = session.request(headers, { endStream });
    } catch (error) {
      throw connectionError(error);
    }
    this.request = request;
    this.#response = new Promise<Headers>((resolve, reject) => {
      request.once("response", resolve);
      request.once("error", (error) => reject(connectionError(error)));
      request.once("close", () =>
        reject(
          new S2Error("s2s session closed before the server answered", {
            code: 14 /* UNAVAILABLE */,
          }),
        ),
      );
    });
    // The iterator reads these; until then, a failure must not be an unhandled error.
    this.#response.catch(() => {});
    request.on("error", () => {});
  }

  cancel(): void {
    if (this.#cancelled) return;
    this.#cancelled = true;
    if (!this.request.closed) this.request.close(constants.NGHTTP2_CANCEL);
  }

  /** The session's message frames; the first item tells whether the session started. */
  async *frames(): AsyncGenerator<
    | { kind: "message"; payload: Uint8Array; reconnectAdvised: boolean }
    | { kind: "refused"; status: number; json: unknown },
    void,
    undefined
  > {
    const headers = await this.#response;
    const status = Number(headers[":status"]);
    if (status !== 200) {
      const chunks: Buffer[] = [];
      try {
        for await (const chunk of this.request) chunks.push(chunk as Buffer);
      } catch {
        // The status says what happened; a body cut short only loses detail.
      }
      const text = Buffer.concat(chunks).toString("utf8");
      if (status === 416) {
        yield { kind: "refused", status, json: safeJson(text) };
        return;
      }
      throw restError(status, text, headerGetter(headers));
    }
    const decoder = new v1.S2sFrameDecoder();
    try {
      for await (const chunk of this.request) {
        for (const frame of decoder.push(chunk as Buffer)) {
          if (frame.kind === "terminal") {
            if (frame.status === 416) {
              yield { kind: "refused", status: 416, json: frame.json };
              return;
            }
            throw restError(frame.status, frame.body);
          }
          yield frame;
        }
      }
      if (this.#cancelled) return;
      // An HTTP/2 reset (other than ours) is a broken session, not its end.
      if (
        this.request.rstCode !== undefined &&
        this.request.rstCode !== constants.NGHTTP2_NO_ERROR
      ) {
        throw new S2Error(`s2s session reset by the server (HTTP/2 code ${this.request.rstCode})`, {
          code: 14 /* UNAVAILABLE */,
        });
      }
      decoder.finish();
    } catch (error) {
      if (this.#cancelled) return;
      if (S2Error.is(error)) throw error;
      if (error instanceof v1.S2sFrameError) {
        throw new S2Error(error.message, {
          code: 13 /* INTERNAL */,
          retryable: false,
          cause: error,
        });
      }
      throw connectionError(error);
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An append session over s2s: one `AppendInput` frame per batch, one `AppendAck` frame back. @internal */
export class S2sAppendStream implements AppendStream {
  readonly #call: S2sCall;
  readonly #compression: "none" | "gzip";

  constructor(
    session: http2.ClientHttp2Session,
    headers: http2.OutgoingHttpHeaders,
    compression: "none" | "gzip",
  ) {
    this.#call = new S2sCall(session, headers, false);
    this.#compression = compression;
  }

  write(input: AppendInput): boolean {
    const payload = v1.AppendInput.encode(input as v1.AppendInput).finish();
    const frame = v1.encodeS2sMessage(payload, { compression: this.#compression });
    return this.#call.request.write(frame);
  }

  get writableNeedDrain(): boolean {
    return this.#call.request.writableNeedDrain;
  }

  onDrain(listener: () => void): void {
    this.#call.request.on("drain", listener);
  }

  end(): void {
    if (!this.#call.request.writableEnded) this.#call.request.end();
  }

  cancel(): void {
    this.#call.cancel();
  }

  onFinished(listener: () => void): void {
    const request = this.#call.request;
    if (request.closed) {
      listener();
      return;
    }
    request.once("close", listener);
    // Nobody reads the response any more: let what is left flow, so that it ends and closes.
    request.resume();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<AppendAckEvent> {
    for await (const frame of this.#call.frames()) {
      if (frame.kind === "refused") throw restError(frame.status, JSON.stringify(frame.json));
      yield {
        output: appendOutputOfAck(v1.AppendAck.decode(frame.payload)),
        reconnectAdvised: frame.reconnectAdvised,
      };
    }
  }
}

/** A read session over s2s: `ReadBatch` frames; one with no records is a heartbeat. @internal */
export class S2sReadStream implements ReadStream {
  readonly #call: S2sCall;

  constructor(session: http2.ClientHttp2Session, headers: http2.OutgoingHttpHeaders) {
    this.#call = new S2sCall(session, headers, true);
  }

  cancel(): void {
    this.#call.cancel();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ReadEvent> {
    for await (const frame of this.#call.frames()) {
      if (frame.kind === "refused") {
        yield { output: { $case: "nextSeqNum", nextSeqNum: tailOf(frame.json).seqNum } };
        return;
      }
      const batch = v1.ReadBatch.decode(frame.payload);
      const output: ReadOutput["output"] =
        batch.records.length === 0
          ? undefined
          : { $case: "batch", batch: { records: batch.records } };
      yield { output, reconnectAdvised: frame.reconnectAdvised };
    }
  }
}

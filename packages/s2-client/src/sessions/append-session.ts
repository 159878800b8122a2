import { status } from "@grpc/grpc-js";
import { currentAttempt } from "@retrykit/retry-core";
import type { AppendInput as AppendInputMessage } from "@retrykit/s2-proto";
import { S2Error } from "../errors.js";
import type { AppendInput, AppendOutput } from "../records.js";
import type { Transport } from "../transport/transport.js";
import { validateAppendInput } from "../validate.js";
import { appendInputToWire, appendOutputFromWire } from "../wire.js";

interface Unacked {
  readonly message: AppendInputMessage;
  readonly records: number;
  readonly bytes: number;
}

/**
 * What an append session keeps across its attempts: the caller's inputs, the batches sent but not
 * yet acknowledged (resent in order after a reconnect), and the metered bytes they hold.
 *
 * @internal
 */
export class AppendSessionState {
  readonly stream: string;
  readonly inputs: AsyncIterator<AppendInput>;
  readonly maxInflightBytes: number;
  /** Longest wait (ms) for the next acknowledgement while batches are in flight. */
  readonly ackTimeout: number;
  readonly signal: AbortSignal | undefined;
  readonly unacked: Unacked[] = [];
  inflightBytes = 0;
  inputsDone = false;
  /**
   * An input that failed validation: nothing more is sent, the batches sent before it are still
   * acknowledged (and delivered), then the session throws this.
   */
  invalid: unknown;
  /** A pull from `inputs` still running when an attempt ended; the next attempt takes it over. */
  pending: Promise<IteratorResult<AppendInput>> | undefined;
  /** Attempts started, so that a pump of an ended attempt leaves the next pull alone. */
  attempts = 0;

  constructor(
    stream: string,
    inputs: AsyncIterator<AppendInput>,
    maxInflightBytes: number,
    ackTimeout: number,
    signal?: AbortSignal,
  ) {
    this.stream = stream;
    this.inputs = inputs;
    this.maxInflightBytes = maxInflightBytes;
    this.ackTimeout = ackTimeout;
    this.signal = signal;
  }

  /** True when every batch sent so far was acknowledged: a failure now cannot have appended anything unseen. */
  nothingInFlight(): boolean {
    return this.unacked.length === 0;
  }
}

/**
 * One attempt of an append session: opens the bidirectional call, resends the unacknowledged
 * batches, then pumps new inputs while the unacknowledged batches, the next one included, hold at
 * most `maxInflightBytes`, and yields one output per acknowledged batch, checking that each
 * acknowledges as many records as were sent.
 * While batches are in flight, an acknowledgement must come within `ackTimeout` ms of the previous
 * one (or of the first write): a server that stops acknowledging fails the attempt with a retryable
 * `DEADLINE_EXCEEDED` instead of holding the session forever.
 * Retrying is the caller's decorator's business; this function only fails.
 *
 * @internal
 */
export async function* appendSessionAttempt(
  transport: Transport,
  basin: string,
  state: AppendSessionState,
): AsyncGenerator<AppendOutput, void, undefined> {
  const attempt = currentAttempt();
  const signal = attempt?.signal ?? state.signal;
  if (signal?.aborted) throw signal.reason;
  // Everything was acknowledged before the last attempt failed: there is nothing to send.
  if (state.unacked.length === 0) {
    if (state.invalid !== undefined) throw state.invalid;
    if (state.inputsDone) return;
  }
  const id = ++state.attempts;
  const call = transport.appendSession(basin, state.stream);
  let stopped = false;
  let pumpError: unknown;
  let ackTimer: ReturnType<typeof setTimeout> | undefined;
  let ackTimedOut: S2Error | undefined;
  // True while the caller holds an output: acknowledgements waiting unread then are not late.
  let delivering = false;
  let wake: (() => void) | undefined;
  const wakeUp = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const sleep = () => new Promise<void>((resolve) => (wake = resolve));
  // Set when the server advises a reconnect (it is draining): nothing more is sent on this
  // session; it is half-closed, its acknowledgements are read to the end, and what is left goes
  // on a new session.
  let advised = false;
  const stop = () => {
    stopped = true;
    wakeUp();
    call.cancel();
  };
  signal?.addEventListener("abort", stop, { once: true });
  call.onDrain(wakeUp);

  // One timer while anything is unacknowledged, restarted by each acknowledgement and paused while
  // the caller has not asked for the next output.
  const disarm = () => {
    if (ackTimer !== undefined) clearTimeout(ackTimer);
    ackTimer = undefined;
  };
  const arm = () => {
    if (ackTimer !== undefined || stopped || delivering || state.unacked.length === 0) return;
    ackTimer = setTimeout(() => {
      ackTimer = undefined;
      ackTimedOut = new S2Error(
        `append session: no acknowledgement within ${state.ackTimeout} ms with ${state.unacked.length} batches in flight`,
        { code: status.DEADLINE_EXCEEDED },
      );
      stop();
    }, state.ackTimeout);
  };

  const write = async (message: AppendInputMessage) => {
    if (!call.write(message)) {
      while (!stopped && call.writableNeedDrain) await sleep();
    }
  };

  const pump = async () => {
    for (const entry of state.unacked.slice()) {
      if (stopped) return;
      arm();
      await write(entry.message);
    }
    while (!stopped && !advised && !state.inputsDone && state.invalid === undefined) {
      while (!stopped && !advised && state.inflightBytes >= state.maxInflightBytes) await sleep();
      if (stopped) return;
      if (advised) break;
      state.pending ??= state.inputs.next();
      const step = await state.pending;
      // An attempt that ended meanwhile leaves the pulled input to the next one.
      if (stopped || id !== state.attempts) return;
      if (advised && !step.done) break;
      if (step.done) {
        state.pending = undefined;
        state.inputsDone = true;
        break;
      }
      let bytes: number;
      try {
        bytes = validateAppendInput(step.value, "inputs[]");
      } catch (error) {
        state.pending = undefined;
        // Batches sent before it may have landed: half-close and deliver their acknowledgements
        // before throwing (with nothing in flight, throw at once).
        if (state.unacked.length === 0) throw error;
        state.invalid = error;
        break;
      }
      // The bound holds for what is in flight, this batch included; a batch alone always goes
      // (one is at most 1 MiB, and the bound at least that). Until it is sent, the input stays
      // pending, so an attempt that ends while it waits leaves it to the next.
      while (
        !stopped &&
        !advised &&
        state.unacked.length > 0 &&
        state.inflightBytes + bytes > state.maxInflightBytes
      ) {
        await sleep();
      }
      if (stopped || id !== state.attempts) return;
      if (advised) break;
      state.pending = undefined;
      const message = appendInputToWire(state.stream, step.value);
      state.unacked.push({ message, records: step.value.records.length, bytes });
      state.inflightBytes += bytes;
      arm();
      await write(message);
    }
    if (!stopped) call.end();
  };
  pump().catch((error) => {
    pumpError ??= error;
    stop();
  });

  // Set once every batch is acknowledged: the call was half-closed and only its status is awaited.
  let complete = false;
  let closeTimer: ReturnType<typeof setTimeout> | undefined;
  try {
    for await (const response of call) {
      const head = state.unacked[0];
      if (head === undefined || complete) {
        throw new S2Error("append session acknowledged a batch that was not sent", {
          code: status.INTERNAL,
          retryable: false,
        });
      }
      const output = appendOutputFromWire(response.output);
      const acked = output.endSeqNum - output.startSeqNum;
      if (acked !== BigInt(head.records)) {
        throw new S2Error(
          `append session acknowledged ${acked} records for a batch of ${head.records}`,
          {
            code: status.INTERNAL,
            retryable: false,
          },
        );
      }
      state.unacked.shift();
      state.inflightBytes -= head.bytes;
      if (response.reconnectAdvised) advised = true;
      disarm();
      wakeUp();
      delivering = true;
      yield output;
      delivering = false;
      arm();
      if (state.invalid !== undefined && state.unacked.length === 0) throw state.invalid;
      if (state.inputsDone && state.unacked.length === 0 && !complete) {
        // The pump half-closed the call when the inputs ended. Cancelling it now would reset the
        // stream (RST_STREAM), and a server that sees many resets drops the whole connection with
        // every call on it: read on to the server's status instead, cancelling only if it is late.
        complete = true;
        closeTimer = setTimeout(stop, state.ackTimeout);
      }
    }
    if (complete) return;
    if (ackTimedOut !== undefined) throw ackTimedOut;
    if (pumpError !== undefined) throw pumpError;
    if (signal?.aborted) throw signal.reason;
    if (advised && state.unacked.length === 0) {
      // Everything sent was acknowledged: moving on to a new session cannot repeat anything.
      throw new S2Error("append session: the server advised reconnecting", {
        code: status.UNAVAILABLE,
      });
    }
    throw new S2Error("append session ended before every batch was acknowledged", {
      code: status.UNAVAILABLE,
    });
  } catch (error) {
    // Every batch is acknowledged: a failure or a late status after that changes nothing.
    if (complete) return;
    if (error === state.invalid) throw error;
    if (ackTimedOut !== undefined) throw ackTimedOut;
    if (pumpError !== undefined) throw pumpError;
    if (signal?.aborted) throw signal.reason;
    throw S2Error.from(error);
  } finally {
    disarm();
    if (closeTimer !== undefined) clearTimeout(closeTimer);
    signal?.removeEventListener("abort", stop);
    if (
      !stopped &&
      !complete &&
      (state.inputsDone || state.invalid !== undefined) &&
      state.unacked.length === 0 &&
      !pumpError
    ) {
      // The caller stopped reading after the last acknowledgement: the call is half-closed and
      // owes only its status, so let it finish on its own (cancelled if the status is late).
      const timer = setTimeout(() => call.cancel(), state.ackTimeout);
      call.onFinished(() => clearTimeout(timer));
    } else if (!stopped && !complete) stop();
  }
}

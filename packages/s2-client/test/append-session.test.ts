import { EventEmitter } from "node:events";
import type { AppendInput as AppendInputMessage } from "@retrykit/s2-proto";
import { describe, expect, it } from "vitest";
import type { AppendInput } from "../src/index.js";
import { AppendSessionState, appendSessionAttempt } from "../src/sessions/append-session.js";
import type { AppendAckEvent, Transport } from "../src/transport/transport.js";

/** An append stream whose acknowledgements the test sends by hand. */
class FakeCall extends EventEmitter {
  readonly written: AppendInputMessage[] = [];
  readonly writableNeedDrain = false;
  #queue: AppendAckEvent[] = [];
  #wake: (() => void) | undefined;
  #done = false;

  write(message: AppendInputMessage): boolean {
    this.written.push(message);
    return true;
  }
  onDrain(listener: () => void): void {
    this.on("drain", listener);
  }
  onFinished(listener: () => void): void {
    this.once("status", listener);
  }
  /** Set by a half-close: like a server, the call ends with its status once every batch is acknowledged. */
  ended = false;
  cancelled = false;
  end(): void {
    this.ended = true;
    this.#wake?.();
  }
  cancel(): void {
    this.cancelled = true;
    this.#done = true;
    this.#wake?.();
  }
  #acks = 0;
  ack(records: number): void {
    this.#acks++;
    const start = BigInt(this.#acked);
    this.#acked += records;
    this.#queue.push({
      output: {
        startSeqNum: start,
        endSeqNum: BigInt(this.#acked),
        nextSeqNum: BigInt(this.#acked),
        startTimestamp: 0n,
        endTimestamp: 0n,
        lastTimestamp: 0n,
      },
      reconnectAdvised: false,
    });
    this.#wake?.();
  }
  #acked = 0;
  async *[Symbol.asyncIterator](): AsyncGenerator<AppendAckEvent> {
    for (;;) {
      const next = this.#queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.#done || (this.ended && this.#acks >= this.written.length)) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

describe("append session backpressure", () => {
  it("never has more than maxInflightBytes unacknowledged, the next batch included", async () => {
    const call = new FakeCall();
    const transport = { appendSession: () => call } as unknown as Transport;
    // Three batches of one record each of 600,000 metered bytes: two never fit within 1 MiB.
    const batch = (): AppendInput => ({ records: [{ body: new Uint8Array(600_000 - 8) }] });
    const inputs = [batch(), batch(), batch()][Symbol.iterator]();
    const state = new AppendSessionState(
      "s",
      {
        next: async () => inputs.next(),
      } as AsyncIterator<AppendInput>,
      1024 * 1024,
      60_000,
    );
    const session = appendSessionAttempt(transport, "basin", state);
    const outputs: bigint[] = [];
    const consumed = (async () => {
      for await (const output of session) outputs.push(output.endSeqNum);
    })();

    await settle();
    expect(call.written).toHaveLength(1);
    expect(state.inflightBytes).toBe(600_000);

    call.ack(1);
    await settle();
    expect(call.written).toHaveLength(2);
    expect(state.inflightBytes).toBe(600_000);

    call.ack(1);
    await settle();
    expect(call.written).toHaveLength(3);
    call.ack(1);
    await consumed;
    expect(outputs).toEqual([1n, 2n, 3n]);
    // Closed by a half-close and the server's status, not by a cancel (an RST_STREAM).
    expect(call.ended).toBe(true);
    expect(call.cancelled).toBe(false);
  });
});

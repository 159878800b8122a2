import {
  asyncBackoff,
  Backoff,
  currentAttempt,
  ManualClock,
  TimeoutError,
} from "@retrykit/retry-core";
import { describe, expect, it } from "vitest";

class Blip extends Error {}

/** A small seeded PRNG (mulberry32), so the flaky stream fails at the same points on every run. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

const resumeAfterLast = ({ args, lastItem }: { args: readonly unknown[]; lastItem: unknown }) => [
  (lastItem as number) + 1,
  ...args.slice(1),
];

describe("Backoff.session", () => {
  it("passes a healthy stream through", async () => {
    async function* numbers(from: number, to: number) {
      for (let n = from; n < to; n++) yield n;
    }
    const backoff = new Backoff({ retryIf: () => true });
    await expect(collect(backoff.session({}, numbers, 0, 5))).resolves.toEqual([0, 1, 2, 3, 4]);
    expect(backoff.statistics).toMatchObject({ attempts: 1, done: 1 });
  });

  it("retries a stream that fails before its first item", async () => {
    let opened = 0;
    async function* stream() {
      if (++opened < 3) throw new Blip();
      yield "a";
      yield "b";
    }
    const backoff = new Backoff({ exceptions: [Blip], maxTries: 3 });
    await expect(collect(backoff.session({}, stream))).resolves.toEqual(["a", "b"]);
    expect(opened).toBe(3);
  });

  it("delivers every item exactly once, in order, across thousands of random failures", async () => {
    const random = seeded(42);
    const total = 5_000;
    let failures = 0;
    let opened = 0;
    async function* flaky(this: { name: string }, from: number, to: number) {
      opened++;
      expect(this.name).toBe("source");
      for (let n = from; n < to; n++) {
        if (random() < 0.02) {
          failures++;
          throw new Blip(`failed before ${n}`);
        }
        yield n;
      }
    }
    const backoff = new Backoff({ exceptions: [Blip], maxTries: 50, resume: resumeAfterLast });
    const items = await collect(backoff.session({ thisArg: { name: "source" } }, flaky, 0, total));
    expect(items).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(failures).toBeGreaterThan(50);
    expect(opened).toBe(failures + 1);
  });

  it("without resume, a failure after the first item propagates unretried", async () => {
    let opened = 0;
    const failure = new Blip("mid-stream");
    async function* stream() {
      opened++;
      yield 1;
      throw failure;
    }
    const backoff = new Backoff({ exceptions: [Blip], maxTries: 5 });
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const n of backoff.session({}, stream)) seen.push(n);
      })(),
    ).rejects.toBe(failure);
    expect(seen).toEqual([1]);
    expect(opened).toBe(1);
  });

  it("resets the attempt count once an attempt delivered an item", async () => {
    // Each attempt delivers one item and then fails: with maxTries 2 the stream would end at the
    // second failure if progress did not reset the count.
    const attempts: number[] = [];
    async function* stream(from: number) {
      attempts.push(currentAttempt()!.attempt);
      yield from;
      if (from < 5) throw new Blip();
    }
    const backoff = new Backoff({ exceptions: [Blip], maxTries: 2, resume: resumeAfterLast });
    await expect(collect(backoff.session({}, stream, 0))).resolves.toEqual([0, 1, 2, 3, 4, 5]);
    expect(attempts).toEqual([1, 2, 2, 2, 2, 2]);
  });

  it("gives up after maxTries attempts without progress", async () => {
    let opened = 0;
    async function* stream(): AsyncGenerator<number> {
      opened++;
      if (opened > 0) throw new Blip();
      yield 0;
    }
    await expect(
      collect(new Backoff({ exceptions: [Blip], maxTries: 3 }).session({}, stream)),
    ).rejects.toThrow(Blip);
    expect(opened).toBe(3);
  });

  it("an idle timeout is a retryable failure that aborts the attempt and closes its generator", async () => {
    const clock = new ManualClock();
    const closed: number[] = [];
    let opened = 0;
    async function* stream(from: number) {
      const attempt = ++opened;
      const { signal } = currentAttempt()!;
      try {
        yield from;
        if (attempt === 1) {
          // Stall until the attempt's signal aborts.
          await new Promise((_, reject) =>
            signal.addEventListener("abort", () => reject(signal.reason)),
          );
        }
        yield from + 1;
      } finally {
        closed.push(attempt);
      }
    }
    const backoff = new Backoff({ clock, idleTimeout: 100, resume: resumeAfterLast });
    const items: number[] = [];
    const done = (async () => {
      for await (const n of backoff.session({}, stream, 0)) items.push(n);
    })();
    await clock.advanceAsync(99);
    expect(items).toEqual([0]);
    await clock.advanceAsync(1);
    await done;
    expect(items).toEqual([0, 1, 2]);
    expect(closed).toEqual([1, 2]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("reports an idle timeout as a TimeoutError when attempts run out", async () => {
    const clock = new ManualClock();
    async function* stalled(): AsyncGenerator<number> {
      yield await new Promise<number>(() => {});
    }
    const backoff = new Backoff({ clock, idleTimeout: 10, maxTries: 2 });
    const result = collect(backoff.session({}, stalled)).catch((e) => e);
    await clock.advanceAsync(20);
    const error = await result;
    expect(TimeoutError.is(error)).toBe(true);
    expect((error as TimeoutError).kind).toBe("attempt");
  });

  it("break closes the underlying generator (its finally runs)", async () => {
    let finalized = false;
    async function* endless() {
      try {
        for (let n = 0; ; n++) yield n;
      } finally {
        finalized = true;
      }
    }
    for await (const n of new Backoff().session({}, endless)) {
      if (n === 3) break;
    }
    expect(finalized).toBe(true);
  });

  it("the signal ends a pending read at once, with its reason, and closes the generator", async () => {
    const controller = new AbortController();
    let finalized = false;
    let attemptSignal: AbortSignal | undefined;
    async function* slow() {
      attemptSignal = currentAttempt()!.signal;
      try {
        yield 1;
        await new Promise((_, reject) =>
          attemptSignal!.addEventListener("abort", () => reject(attemptSignal!.reason)),
        );
        yield 2;
      } finally {
        finalized = true;
      }
    }
    const backoff = new Backoff({ retryIf: () => true });
    const iterator = backoff.session({ signal: controller.signal }, slow);
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    const pending = iterator.next();
    controller.abort("stop");
    await expect(pending).rejects.toBe("stop");
    await new Promise((resolve) => setImmediate(resolve));
    expect(attemptSignal?.aborted).toBe(true);
    expect(finalized).toBe(true);
    expect(backoff.statistics.cancels).toBe(1);
  });

  it("an abort during the pause ends the session with its reason, counted and reported", async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const giveUps: string[] = [];
    let attempts = 0;
    async function* failingStream() {
      attempts++;
      yield* [];
      throw new Blip("down");
    }
    const backoff = new Backoff({
      clock,
      exceptions: [Blip],
      pause: 1_000,
      onGiveUp: (e) => giveUps.push(`${e.reason}:${String(e.error)}`),
    });
    const pending = backoff.session({ signal: controller.signal }, failingStream).next();
    const outcome = pending.then(
      () => "resolved",
      (error: unknown) => error,
    );
    await clock.advanceAsync(10);
    expect(clock.pendingTimers).toBe(1);
    controller.abort("stop");
    expect(await outcome).toBe("stop");
    expect(clock.pendingTimers).toBe(0);
    await clock.advanceAsync(5_000);
    expect(attempts).toBe(1);
    expect(giveUps).toEqual(["aborted:stop"]);
    expect(backoff.statistics.cancels).toBe(1);
  });

  it("the signal closes the generator at once while the consumer holds an item", async () => {
    const controller = new AbortController();
    let finalized = false;
    let attemptSignal: AbortSignal | undefined;
    async function* endless() {
      attemptSignal = currentAttempt()!.signal;
      try {
        for (let n = 0; ; n++) yield n;
      } finally {
        finalized = true;
      }
    }
    const backoff = new Backoff({ retryIf: () => true });
    const iterator = backoff.session({ signal: controller.signal }, endless);
    expect(await iterator.next()).toEqual({ value: 0, done: false });
    // The consumer is busy with item 0 and has not called next() again.
    controller.abort("stop");
    await new Promise((resolve) => setImmediate(resolve));
    expect(attemptSignal?.aborted).toBe(true);
    expect(finalized).toBe(true);
    await expect(iterator.next()).rejects.toBe("stop");
    expect(backoff.statistics.cancels).toBe(1);
  });

  it("a resume hook that returns no array ends the session with a TypeError, unretried", async () => {
    const giveUps: string[] = [];
    let opened = 0;
    async function* stream(from: number) {
      opened++;
      yield from;
      throw new Blip("down");
    }
    const backoff = new Backoff({
      exceptions: [Blip],
      maxTries: 5,
      resume: () => undefined as unknown as unknown[],
      onGiveUp: (e) => giveUps.push(e.reason),
    });
    const seen: unknown[] = [];
    const failure = await (async () => {
      for await (const item of backoff.session({}, stream, 1)) {
        seen.push(item);
        if (seen.length > 10) break; // bounds the run if the hook's result were used as it is
      }
    })().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(TypeError);
    expect(String(failure)).toMatch(/resume must return an array of arguments, got undefined/);
    expect((failure as Error).cause).toBeInstanceOf(Blip);
    expect(seen).toEqual([1]);
    expect(opened).toBe(1);
    expect(giveUps).toEqual(["giveup"]);
    expect(backoff.statistics).toMatchObject({ attempts: 1, retries: 0, giveups: 1 });
  });

  it("a resume hook that throws ends the session with its error, reported to onGiveUp", async () => {
    const giveUps: unknown[] = [];
    const broken = new Error("resume failed");
    async function* stream() {
      yield 1;
      throw new Blip("down");
    }
    const backoff = new Backoff({
      exceptions: [Blip],
      resume: () => {
        throw broken;
      },
      onGiveUp: (e) => giveUps.push(e.error),
    });
    const iterator = backoff.session({}, stream);
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    await expect(iterator.next()).rejects.toBe(broken);
    expect(giveUps).toEqual([broken]);
    expect(backoff.statistics.giveups).toBe(1);
  });

  it("throw() into the session propagates and closes the generator", async () => {
    let finalized = false;
    async function* stream() {
      try {
        yield 1;
        yield 2;
      } finally {
        finalized = true;
      }
    }
    const iterator = new Backoff({ retryIf: () => true }).session({}, stream);
    await iterator.next();
    const thrown = new Error("consumer");
    await expect(iterator.throw(thrown)).rejects.toBe(thrown);
    expect(finalized).toBe(true);
  });
});

describe("decorated async generators", () => {
  it("are retried as sessions (wrapper and TC39 method)", async () => {
    let opened = 0;
    const numbers = asyncBackoff({ exceptions: [Blip], maxTries: 3 })(async function* countUp(
      count: number,
    ) {
      if (++opened === 1) throw new Blip();
      for (let n = 0; n < count; n++) yield n;
    });
    expect(numbers.name).toBe("countUp");
    await expect(collect(numbers(3))).resolves.toEqual([0, 1, 2]);

    class Reader {
      opened = 0;
      @asyncBackoff({ exceptions: [Blip], maxTries: 3, resume: resumeAfterLast })
      async *read(from: number): AsyncGenerator<number> {
        this.opened++;
        for (let n = from; n < 6; n++) {
          if (n === 3 && this.opened === 1) throw new Blip();
          yield n;
        }
      }
    }
    const reader = new Reader();
    await expect(collect(reader.read(0))).resolves.toEqual([0, 1, 2, 3, 4, 5]);
    expect(reader.opened).toBe(2);
  });
});

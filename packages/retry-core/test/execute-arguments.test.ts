import { Backoff, currentAttempt } from "@retrykit/retry-core";
import { describe, expect, it } from "vitest";

// `execute` carries up to three arguments without an array and builds one only when an attempt
// fails; these pin that every count, on every path, reaches the function unchanged.

/** Records each call's arguments (count included) and fails the first `failures` calls. */
function recorder(failures: number, fail: "reject" | "throw" = "reject") {
  const calls: unknown[][] = [];
  function fn(...args: unknown[]): Promise<unknown[]> {
    calls.push(args);
    if (calls.length <= failures) {
      if (fail === "throw") throw new Error(`failure ${calls.length}`);
      return Promise.reject(new Error(`failure ${calls.length}`));
    }
    return Promise.resolve(args);
  }
  return { fn, calls };
}

const argumentSets: unknown[][] = [
  [],
  ["a"],
  ["a", 2],
  ["a", 2, { three: 3 }],
  ["a", 2, { three: 3 }, [4]],
  ["a", 2, { three: 3 }, [4], 5, 6],
  [undefined],
  [undefined, undefined, undefined],
];

describe("Backoff.execute arguments", () => {
  for (const args of argumentSets) {
    const label = `${args.length} argument(s): ${JSON.stringify(args)}`;

    it(`passes ${label} on a first success`, async () => {
      const { fn, calls } = recorder(0);
      const backoff = new Backoff({ maxTries: 3, retryIf: () => true });
      await expect(backoff.execute(fn, ...args)).resolves.toEqual(args);
      expect(calls).toEqual([args]);
      expect(calls[0]).toHaveLength(args.length);
    });

    it(`passes ${label} again after rejections`, async () => {
      const { fn, calls } = recorder(2);
      const backoff = new Backoff({ maxTries: 3, retryIf: () => true });
      await expect(backoff.execute(fn, ...args)).resolves.toEqual(args);
      expect(calls).toEqual([args, args, args]);
      for (const call of calls) expect(call).toHaveLength(args.length);
      expect(backoff.statistics.attempts).toBe(3);
    });

    it(`passes ${label} again after a synchronous throw`, async () => {
      const { fn, calls } = recorder(1, "throw");
      const backoff = new Backoff({ maxTries: 2, retryIf: () => true });
      await expect(backoff.execute(fn, ...args)).resolves.toEqual(args);
      expect(calls).toEqual([args, args]);
    });

    it(`passes ${label} to a function that reads its attempt, then retries it`, async () => {
      const seen: number[] = [];
      const { fn: inner, calls } = recorder(1);
      const fn = (...received: unknown[]) => {
        seen.push(currentAttempt()?.attempt ?? 0);
        return inner(...received);
      };
      const backoff = new Backoff({ maxTries: 2, retryIf: () => true });
      await expect(backoff.execute(fn, ...args)).resolves.toEqual(args);
      expect(calls).toEqual([args, args]);
      expect(seen).toEqual([1, 2]);
    });

    it(`passes ${label} under a time limit (the full path)`, async () => {
      const { fn, calls } = recorder(1);
      const backoff = new Backoff({ maxTries: 2, retryIf: () => true, attemptTimeout: 10_000 });
      await expect(backoff.execute(fn, ...args)).resolves.toEqual(args);
      expect(calls).toEqual([args, args]);
    });
  }

  it("calls the function without a `this`", async () => {
    const backoff = new Backoff();
    const self = await backoff.execute(function (this: unknown) {
      return Promise.resolve(this);
    });
    expect(self).toBeUndefined();
  });

  it("adopts a plain value and a foreign thenable on the fast path", async () => {
    const backoff = new Backoff();
    await expect(backoff.execute((x: number) => x * 2, 21)).resolves.toBe(42);
    const thenable = {
      // biome-ignore lint/suspicious/noThenProperty: a foreign thenable, not a native promise.
      then: (resolve: (value: string) => void) => resolve("adopted"),
    } as unknown as PromiseLike<string>;
    await expect(backoff.execute(() => thenable)).resolves.toBe("adopted");
  });

  it("rejects a non-function with a TypeError naming fn, whatever the arguments", async () => {
    const backoff = new Backoff();
    await expect(backoff.execute(42 as never, 1, 2, 3, 4)).rejects.toThrow(
      /fn must be a function, got 42/,
    );
  });
});

import { asyncBackoff, asyncRetry, Backoff, currentAttempt } from "@retrykit/retry-core";
import { describe, expect, it } from "vitest";

// `execute` and the decorators' wrappers carry up to three arguments without an array and build
// one only when an attempt fails; these pin that every count, on every path, reaches the function
// unchanged, with its `this`.

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

describe("decorator wrapper arguments and this", () => {
  class Target {
    constructor(readonly name: string) {}
  }

  /** Records `this` and the arguments of each call; fails the first `failures` calls. */
  function method(failures: number, fail: "reject" | "throw" = "reject") {
    const calls: Array<{ self: unknown; args: unknown[] }> = [];
    function fn(this: unknown, ...args: unknown[]): Promise<unknown[]> {
      calls.push({ self: this, args });
      if (calls.length <= failures) {
        if (fail === "throw") throw new Error(`failure ${calls.length}`);
        return Promise.reject(new Error(`failure ${calls.length}`));
      }
      return Promise.resolve(args);
    }
    return { fn, calls };
  }

  for (const args of argumentSets) {
    const label = `${args.length} argument(s): ${JSON.stringify(args)}`;

    it(`passes ${label} and this on a first success and after failures`, async () => {
      const target = new Target("t");
      const { fn, calls } = method(2);
      const wrapped = asyncRetry(3)(fn);
      await expect(wrapped.call(target, ...args)).resolves.toEqual(args);
      expect(calls.map((call) => call.self)).toEqual([target, target, target]);
      for (const call of calls) {
        expect(call.args).toEqual(args);
        expect(call.args).toHaveLength(args.length);
      }
    });

    it(`passes ${label} after a synchronous throw, without a this`, async () => {
      const { fn, calls } = method(1, "throw");
      const wrapped = asyncRetry(2)(fn);
      await expect(wrapped(...args)).resolves.toEqual(args);
      expect(calls).toEqual([
        { self: undefined, args },
        { self: undefined, args },
      ]);
    });

    it(`passes ${label} and this under a time limit (the general path)`, async () => {
      const target = new Target("timed");
      const { fn, calls } = method(1);
      const wrapped = asyncBackoff({ attemptTimeout: 10_000, maxTries: 2, retryIf: () => true })(
        fn,
      );
      await expect(wrapped.call(target, ...args)).resolves.toEqual(args);
      expect(calls.map((call) => call.self)).toEqual([target, target]);
      for (const call of calls) expect(call.args).toEqual(args);
    });
  }

  it("publishes the attempt to a decorated method on every attempt", async () => {
    const seen: Array<number | undefined> = [];
    const { fn } = method(2);
    const wrapped = asyncRetry(3)(function (this: unknown, ...args: unknown[]) {
      seen.push(currentAttempt()?.attempt);
      return fn.apply(this, args);
    });
    await wrapped.call(new Target("x"), 1);
    expect(seen).toEqual([1, 2, 3]);
    expect(currentAttempt()).toBeUndefined();
  });

  it("keeps the original's name and length", () => {
    async function fetchThree(a: number, b: number, c: number, d: number): Promise<number> {
      return a + b + c + d;
    }
    const wrapped = asyncRetry(3)(fetchThree);
    expect(wrapped.name).toBe("fetchThree");
    expect(wrapped.length).toBe(4);
  });
});

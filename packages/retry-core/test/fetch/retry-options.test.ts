import {
  ExponentialRetry,
  FibonacciRetry,
  JitterRetry,
  ListRetry,
  RandomRetry,
  type RetryOptionsBase,
} from "@retrykit/retry-core/fetch";
import { describe, expect, it } from "vitest";

const pauses = (options: RetryOptionsBase, n: number): number[] =>
  Array.from({ length: n }, (_, i) => options.getTimeout(i + 1));

describe("RetryOptionsBase defaults", () => {
  const options = new ExponentialRetry();

  it("tries 3 times", () => {
    expect(options.attempts).toBe(3);
  });

  it("retries every 5xx and 429, nothing else", () => {
    for (const status of [429, 500, 501, 502, 503, 504, 599]) {
      expect(options.isRetryableStatus(status)).toBe(true);
    }
    for (const status of [200, 301, 400, 404, 408, 600]) {
      expect(options.isRetryableStatus(status)).toBe(false);
    }
  });

  it("retryAllServerErrors: false keeps only the listed statuses", () => {
    const only503 = new ExponentialRetry({ retryAllServerErrors: false, statuses: [503] });
    expect(only503.isRetryableStatus(503)).toBe(true);
    expect(only503.isRetryableStatus(500)).toBe(false);
    expect(only503.isRetryableStatus(429)).toBe(false);
  });

  it("retries TypeError (fetch's network error) and nothing else by default", () => {
    expect(options.isRetryableError(new TypeError("fetch failed"))).toBe(true);
    expect(options.isRetryableError(new Error("boom"))).toBe(false);
    expect(options.isRetryableError(new RangeError("x"))).toBe(false);
  });

  it("retries the idempotent methods only, case-insensitively", () => {
    for (const method of ["GET", "head", "OPTIONS", "PUT", "delete"]) {
      expect(options.allowsMethod(method)).toBe(true);
    }
    for (const method of ["POST", "PATCH", "CONNECT", "PURGE"]) {
      expect(options.allowsMethod(method)).toBe(false);
    }
    expect(new ExponentialRetry({ methods: ["post"] }).allowsMethod("POST")).toBe(true);
  });

  it("custom exceptions replace the default", () => {
    class Flaky extends Error {}
    const custom = new ExponentialRetry({ exceptions: [Flaky] });
    expect(custom.isRetryableError(new Flaky())).toBe(true);
    expect(custom.isRetryableError(new TypeError())).toBe(false);
  });
});

describe("validation", () => {
  it.each([
    [
      () => new ExponentialRetry({ attempts: 0 }),
      RangeError,
      /attempts must be an integer >= 1, got 0/,
    ],
    [() => new ExponentialRetry({ attempts: 1.5 }), RangeError, /attempts.*1\.5/],
    [() => new ExponentialRetry({ startTimeout: -1 }), RangeError, /startTimeout.*-1/],
    [() => new ExponentialRetry({ maxTimeout: Number.NaN }), RangeError, /maxTimeout.*NaN/],
    [() => new ExponentialRetry({ maxTimeout: 2 ** 31 }), RangeError, /maxTimeout/],
    [() => new ExponentialRetry({ factor: 0 }), RangeError, /factor.*0/],
    [() => new ExponentialRetry({ statuses: [99] }), RangeError, /statuses.*99/],
    [() => new ExponentialRetry({ statuses: "500" as never }), TypeError, /statuses.*"500"/],
    [() => new ExponentialRetry({ methods: ["GE T"] }), TypeError, /methods.*"GE T"/],
    [() => new ExponentialRetry({ exceptions: ["TypeError" as never] }), TypeError, /exceptions/],
    [
      () => new ExponentialRetry({ evaluateResponse: true as never }),
      TypeError,
      /evaluateResponse/,
    ],
    [
      () => new ExponentialRetry({ retryAllServerErrors: 1 as never }),
      TypeError,
      /retryAllServerErrors/,
    ],
    [
      () => new RandomRetry({ minTimeout: 10, maxTimeout: 5 }),
      RangeError,
      /minTimeout.*10.*maxTimeout.*5/,
    ],
    [() => new RandomRetry({ random: 0.5 as never }), TypeError, /random/],
    [() => new ListRetry([]), RangeError, /timeouts.*empty/],
    [() => new ListRetry([10, -5]), RangeError, /timeouts.*-5/],
    [() => new ListRetry({} as never), TypeError, /timeouts/],
    [() => new FibonacciRetry({ multiplier: -1 }), RangeError, /multiplier.*-1/],
    [() => new JitterRetry({ randomIntervalSize: Infinity }), RangeError, /randomIntervalSize/],
  ])("%#: rejects bad input naming the parameter", (create, type, message) => {
    expect(create).toThrow(type);
    expect(create).toThrow(message);
  });

  it("copies its iterables, so later changes to the caller's arrays do not leak in", () => {
    const statuses = [418];
    const timeouts = [1, 2];
    const options = new ListRetry({ timeouts, statuses });
    statuses.push(500);
    timeouts.push(3);
    expect(options.statuses.has(500)).toBe(false);
    expect(options.timeouts).toEqual([1, 2]);
    expect(Object.isFrozen(options.timeouts)).toBe(true);
  });
});

describe("ExponentialRetry", () => {
  it("waits startTimeout before the first retry, then multiplies by factor (aiohttp-retry #91)", () => {
    expect(pauses(new ExponentialRetry(), 4)).toEqual([100, 200, 400, 800]);
    expect(pauses(new ExponentialRetry({ startTimeout: 10, factor: 3 }), 3)).toEqual([10, 30, 90]);
  });

  it("stops at maxTimeout, even after thousands of attempts", () => {
    const options = new ExponentialRetry({ startTimeout: 100, maxTimeout: 1000 });
    expect(pauses(options, 6)).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(options.getTimeout(5000)).toBe(1000);
    expect(new ExponentialRetry({ startTimeout: 0 }).getTimeout(5000)).toBe(0);
  });
});

describe("RandomRetry", () => {
  it("draws uniformly between minTimeout and maxTimeout", () => {
    const values = [0, 0.5, 0.999];
    const options = new RandomRetry({
      minTimeout: 100,
      maxTimeout: 300,
      random: () => values.shift()!,
    });
    expect(pauses(options, 3)).toEqual([100, 200, 299.8]);
  });
});

describe("ListRetry", () => {
  it("uses timeouts[0] before the first retry (aiohttp-retry skips it)", () => {
    const options = new ListRetry([10, 20, 30]);
    expect(options.getTimeout(1)).toBe(10);
    expect(pauses(options, 3)).toEqual([10, 20, 30]);
  });

  it("tries once more than it has pauses, unless told; the last pause repeats", () => {
    expect(new ListRetry([10, 20, 30]).attempts).toBe(4);
    const longer = new ListRetry({ timeouts: [10, 20], attempts: 5 });
    expect(longer.attempts).toBe(5);
    expect(pauses(longer, 4)).toEqual([10, 20, 20, 20]);
  });

  it("caps at maxTimeout, which defaults to at least the longest pause", () => {
    expect(new ListRetry([50_000]).maxTimeout).toBe(50_000);
    expect(new ListRetry([10]).maxTimeout).toBe(30_000);
    expect(new ListRetry({ timeouts: [10, 500], maxTimeout: 100 }).getTimeout(2)).toBe(100);
  });
});

describe("FibonacciRetry", () => {
  it("follows 2, 3, 5, 8... times multiplier, capped at maxTimeout", () => {
    const options = new FibonacciRetry({ multiplier: 10, maxTimeout: 100, attempts: 10 });
    expect(pauses(options, 8)).toEqual([20, 30, 50, 80, 100, 100, 100, 100]);
    expect(options.getTimeout(1e9)).toBe(100);
  });

  it("keeps no state on the shared object: every request starts from the beginning (aiohttp-retry bug)", () => {
    const options = new FibonacciRetry({ multiplier: 1, maxTimeout: 1000 });
    const first = pauses(options, 5);
    const second = pauses(options, 5);
    // Interleaved use, as concurrent requests sharing the options would do.
    const interleaved = [options.getTimeout(1), options.getTimeout(1), options.getTimeout(2)];
    expect(first).toEqual([2, 3, 5, 8, 13]);
    expect(second).toEqual(first);
    expect(interleaved).toEqual([2, 2, 3]);
    const a = options.begin();
    const b = options.begin();
    expect([a.next(1), b.next(1), a.next(2), b.next(2)]).toEqual([2, 2, 3, 3]);
  });
});

describe("JitterRetry", () => {
  it("adds a uniform term of up to randomIntervalSize to the exponential pause", () => {
    const options = new JitterRetry({
      startTimeout: 100,
      randomIntervalSize: 50,
      random: () => 0.5,
    });
    expect(pauses(options, 3)).toEqual([125, 225, 425]);
  });

  it("never exceeds maxTimeout, jitter included (aiohttp-retry adds it after the cap)", () => {
    const options = new JitterRetry({
      startTimeout: 100,
      maxTimeout: 1000,
      randomIntervalSize: 2000,
      random: () => 0.999999,
    });
    for (let attempt = 1; attempt <= 50; attempt++) {
      expect(options.getTimeout(attempt)).toBeLessThanOrEqual(1000);
    }
    expect(options.getTimeout(1)).toBe(1000);
  });
});

describe("getTimeout is overridable", () => {
  class StatusAware extends ExponentialRetry {
    override getTimeout(attempt: number, response?: Response): number {
      return response?.status === 503 ? 7 : super.getTimeout(attempt, response);
    }
  }

  it("and begin() hands the override the failed attempt's response", () => {
    const options = new StatusAware({ startTimeout: 1 });
    const sequence = options.begin();
    expect(sequence.next(1, new Error("network"))).toBe(1);
    expect(options.pauseAfter(2, new Response(null, { status: 503 }))).toBe(7);
  });

  it("rounds pauses and refuses NaN or negative ones (they would make a hot loop)", () => {
    class Bad extends ExponentialRetry {
      constructor(private readonly value: number) {
        super();
      }
      override getTimeout(): number {
        return this.value;
      }
    }
    expect(new Bad(1.4).pauseAfter(1)).toBe(1);
    expect(new Bad(2 ** 40).pauseAfter(1)).toBe(2 ** 31 - 1);
    expect(() => new Bad(Number.NaN).pauseAfter(1)).toThrow(/getTimeout\(1\).*NaN/);
    expect(() => new Bad(-1).pauseAfter(1)).toThrow(RangeError);
  });
});

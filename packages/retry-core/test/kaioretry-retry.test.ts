import { describe, expect, it } from "vitest";
import { aioretry, Context, Retry, type RetryLogger, retry } from "../src/kaioretry/index.js";
import { ManualClock } from "../src/testing/manual-clock.js";

class Flaky extends Error {
  override name = "Flaky";
}
class Fatal extends Error {
  override name = "Fatal";
}

/** A function failing with `error` on its first `failures` calls, then returning "ok". */
function failing(failures: number, error: () => unknown = () => new Flaky("boom")) {
  const calls: unknown[][] = [];
  const fn = (...args: unknown[]) => {
    calls.push(args);
    if (calls.length <= failures) throw error();
    return "ok";
  };
  return { fn, calls };
}

function recorder() {
  const lines: string[] = [];
  const sleeps: number[] = [];
  const logger: RetryLogger = {
    info: (message) => lines.push(message),
    warn: (message) => lines.push(message),
  };
  return { lines, sleeps, logger, blockingSleep: (ms: number) => void sleeps.push(ms) };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;

describe("Retry on synchronous functions", () => {
  it("stays synchronous and retries up to `tries` calls", () => {
    const { sleeps, blockingSleep } = recorder();
    const r = Retry(
      Flaky,
      new Context({ tries: 3, delay: 10, updateDelay: (d) => d * 2, blockingSleep }),
    );
    const ok = failing(2);
    const wrapped = r(ok.fn);
    const result = wrapped("a", 1);
    expect(result).toBe("ok"); // a value, not a promise
    expect(ok.calls).toEqual([
      ["a", 1],
      ["a", 1],
      ["a", 1],
    ]);
    expect(sleeps).toEqual([10, 20]);

    const exhausted = failing(5);
    expect(() => r(exhausted.fn)()).toThrow("boom");
    expect(exhausted.calls).toHaveLength(3);
  });

  it("rethrows the original error object, unchanged", () => {
    const error = new Flaky("same");
    const r = Retry(Flaky, new Context({ tries: 2 }));
    let caught: unknown;
    try {
      r(failing(9, () => error).fn)();
    } catch (thrown) {
      caught = thrown;
    }
    expect(caught).toBe(error);
  });

  it("retries only the listed exceptions", () => {
    const r = Retry([Flaky, RangeError], new Context({ tries: 5 }));
    const fatal = failing(3, () => new Fatal("stop"));
    expect(() => r(fatal.fn)()).toThrow(Fatal);
    expect(fatal.calls).toHaveLength(1);
    const range = failing(2, () => new RangeError("again"));
    expect(r(range.fn)()).toBe("ok");
    expect(range.calls).toHaveLength(3);
  });

  it("retries any thrown value by default, with unlimited tries", () => {
    const r = Retry();
    const strings = failing(1_000, () => "not an error");
    expect(r(strings.fn)()).toBe("ok");
    expect(strings.calls).toHaveLength(1_001);
  });

  it("keeps `this`, `name` and `length`", () => {
    const r = Retry(Flaky, new Context({ tries: 2 }));
    const target = {
      factor: 3,
      times(this: { factor: number }, n: number) {
        return this.factor * n;
      },
    };
    const wrapped = r(target.times);
    expect(wrapped.name).toBe("times");
    expect(wrapped.length).toBe(1);
    expect(wrapped.call(target, 2)).toBe(6);
  });

  it("logs each failure and the loop lines with one identifier per call", () => {
    const { lines, logger } = recorder();
    const r = Retry(Flaky, new Context({ tries: 3, delay: 0, logger }));
    r(failing(2).fn)();
    r(failing(1).fn)();
    const first = lines.slice(0, 6);
    const second = lines.slice(6);
    const idOf = (line: string) => UUID.exec(line)?.[0];
    expect(new Set(first.map(idOf)).size).toBe(1);
    expect(new Set(second.map(idOf)).size).toBe(1);
    expect(idOf(first[0]!)).not.toBe(idOf(second[0]!));
    expect(lines.map((line) => line.replace(UUID, "ID"))).toEqual([
      "ID: try #1 failed: Flaky: boom",
      "ID: 2 tries remaining",
      "ID: sleeping 0 ms",
      "ID: try #2 failed: Flaky: boom",
      "ID: 1 tries remaining",
      "ID: sleeping 0 ms",
      "ID: try #1 failed: Flaky: boom",
      "ID: 2 tries remaining",
      "ID: sleeping 0 ms",
    ]);
  });

  it("sends failures to the Retry's own logger when given", () => {
    const context = recorder();
    const own = recorder();
    const r = Retry(Flaky, new Context({ tries: 2, logger: context.logger }), {
      logger: own.logger,
    });
    r(failing(1).fn)();
    expect(own.lines.map((line) => line.replace(UUID, "ID"))).toEqual([
      "ID: try #1 failed: Flaky: boom",
    ]);
    expect(context.lines).toHaveLength(2);
  });

  it(".retry keeps an async function's promise as the result (no retry of its rejection)", async () => {
    const r = Retry(Flaky, new Context({ tries: 3 }));
    let calls = 0;
    const wrapped = r.retry(async () => {
      calls++;
      throw new Flaky("late");
    });
    await expect(wrapped()).rejects.toThrow("late");
    expect(calls).toBe(1);
  });
});

describe("Retry statistics", () => {
  it("synchronous calls count in the engine's statistics, as asynchronous ones do", () => {
    const { blockingSleep } = recorder();
    const r = Retry(Flaky, new Context({ tries: 3, delay: 5, blockingSleep }));
    expect(r(failing(2).fn)()).toBe("ok");
    expect(() => r(failing(5).fn)()).toThrow(Flaky);
    expect(() => r(failing(5, () => new Fatal("no")).fn)()).toThrow(Fatal);
    expect(r.backoff.statistics).toMatchObject({
      attempts: 3 + 3 + 1,
      done: 1,
      errors: 2 + 3 + 1,
      retries: 2 + 2,
      giveups: 2,
      cancels: 0,
    });
  });

  it("a plain function handed to the engine on its first try is counted once", async () => {
    const r = Retry(Flaky, new Context({ tries: 3 }));
    let calls = 0;
    const wrapped = r(() => {
      calls++;
      return calls < 2 ? Promise.reject(new Flaky("later")) : Promise.resolve("ok");
    });
    await expect(wrapped()).resolves.toBe("ok");
    expect(calls).toBe(2);
    expect(r.backoff.statistics).toMatchObject({ attempts: 2, done: 1, errors: 1, retries: 1 });
  });
});

describe("Retry on asynchronous functions (through the engine)", () => {
  it("picks the async path for an async function and waits through the clock", async () => {
    const clock = new ManualClock();
    const { sleeps, blockingSleep } = recorder();
    const r = Retry(
      Flaky,
      new Context({ tries: 4, delay: 100, updateDelay: (d) => d * 2, clock, blockingSleep }),
    );
    const times: number[] = [];
    const wrapped = r(async (x: number) => {
      times.push(clock.now());
      if (times.length < 4) throw new Flaky("again");
      return x * 2;
    });
    const pending = wrapped(21);
    expect(pending).toBeInstanceOf(Promise);
    await clock.advanceAsync(700);
    await expect(pending).resolves.toBe(42);
    expect(times).toEqual([0, 100, 300, 700]);
    expect(sleeps).toEqual([]);
    expect(r.backoff.statistics.attempts).toBe(4);
  });

  it("switches to the engine when a plain function returns a promise on its first try", async () => {
    const r = Retry(Flaky, new Context({ tries: 3 }));
    let calls = 0;
    const wrapped = r((): Promise<string> => {
      calls++;
      return calls < 3 ? Promise.reject(new Flaky("no")) : Promise.resolve("yes");
    });
    await expect(wrapped()).resolves.toBe("yes");
    expect(calls).toBe(3);
  });

  it(".aioretry makes a sync function async and gives up with the original error", async () => {
    const clock = new ManualClock();
    const r = Retry(Flaky, new Context({ tries: 2, delay: 5, clock }));
    const error = new Flaky("always");
    const { fn, calls } = failing(10, () => error);
    const pending = r.aioretry(fn)();
    const outcome = pending.then(
      () => "resolved",
      (reason: unknown) => reason,
    );
    await clock.advanceAsync(5);
    expect(await outcome).toBe(error);
    expect(calls).toHaveLength(2);
  });

  it("retries an async generator as a session", async () => {
    const r = Retry(Flaky, new Context({ tries: 3 }));
    let starts = 0;
    const stream = r(async function* numbers() {
      starts++;
      if (starts < 3) throw new Flaky("not yet");
      yield 1;
      yield 2;
    });
    const seen: number[] = [];
    for await (const n of stream()) seen.push(n);
    expect(seen).toEqual([1, 2]);
    expect(starts).toBe(3);
  });

  it("logs the same lines as the sync path", async () => {
    const { lines, logger } = recorder();
    const r = Retry(Flaky, new Context({ tries: 2, logger }));
    let calls = 0;
    await r(async () => {
      if (++calls === 1) throw new Flaky("once");
      return "done";
    })();
    expect(lines.map((line) => line.replace(UUID, "ID"))).toEqual([
      "ID: try #1 failed: Flaky: once",
      "ID: 1 tries remaining",
      "ID: sleeping 0 ms",
    ]);
  });
});

describe("Retry as a method decorator", () => {
  const r = Retry(Flaky, new Context({ tries: 3 }));

  it("decorates sync and async methods (TC39), keeping their nature and `this`", async () => {
    class Service {
      calls = 0;
      @r
      parse(text: string): number {
        if (++this.calls < 3) throw new Flaky("parse");
        return Number(text);
      }
      @r.aioretry
      async load(): Promise<number> {
        if (++this.calls < 3) throw new Flaky("load");
        return this.calls;
      }
    }
    const parsing = new Service();
    expect(parsing.parse("7")).toBe(7);
    expect(parsing.calls).toBe(3);
    const loading = new Service();
    await expect(loading.load()).resolves.toBe(3);
  });

  it("works as a legacy decorator on a property descriptor", () => {
    const target = {
      calls: 0,
      run(this: { calls: number }) {
        if (++this.calls < 2) throw new Flaky("legacy");
        return "ran";
      },
    };
    const descriptor = Object.getOwnPropertyDescriptor(target, "run")!;
    const decorated = r(target, "run", descriptor);
    Object.defineProperty(target, "run", decorated);
    expect(target.run()).toBe("ran");
    expect(target.calls).toBe(2);
  });
});

describe("retry() and aioretry(), classic options", () => {
  it("retry: delay, backoff, fixed jitter, maxDelay", () => {
    const { sleeps, blockingSleep } = recorder();
    const decorate = retry({
      exceptions: Flaky,
      tries: 6,
      delay: 10,
      backoff: 2,
      jitter: 1,
      maxDelay: 100,
      blockingSleep,
    });
    const { fn, calls } = failing(5);
    expect(decorate(fn)()).toBe("ok");
    expect(calls).toHaveLength(6);
    // 10, 10*2+1, 21*2+1, 43*2+1, min(87*2+1, 100)
    expect(sleeps).toEqual([10, 21, 43, 87, 100]);
  });

  it("retry: [min, max] jitter drawn per pause, and minDelay", () => {
    const { sleeps, blockingSleep } = recorder();
    const draws = [0, 1, 0.5];
    let i = 0;
    const decorate = retry({
      tries: 4,
      delay: 0,
      backoff: 1,
      jitter: [10, 20],
      minDelay: 5,
      random: () => draws[i++ % draws.length]!,
      blockingSleep,
    });
    expect(decorate(failing(3).fn)()).toBe("ok");
    // first pause: max(0, minDelay) = 5; then 5 + 10, 15 + 20
    expect(sleeps).toEqual([5, 15, 35]);
  });

  it("retry: an unlimited loop is ended by the function itself", () => {
    const decorate = retry({ exceptions: [Flaky] });
    const { fn, calls } = failing(4_999);
    expect(decorate(fn)()).toBe("ok");
    expect(calls).toHaveLength(5_000);
  });

  it("retry: the wrapped function stays synchronous", () => {
    const result = retry({ tries: 2 })(() => 5)();
    expect(result).toBe(5);
  });

  it("aioretry: pauses through the clock with backoff and maxDelay", async () => {
    const clock = new ManualClock();
    const times: number[] = [];
    const call = aioretry({
      exceptions: [Flaky],
      tries: 5,
      delay: 100,
      backoff: 3,
      maxDelay: 500,
      clock,
    })(() => {
      times.push(clock.now());
      if (times.length < 5) throw new Flaky("wait");
      return "late";
    });
    const pending = call();
    await clock.advanceAsync(2_000);
    await expect(pending).resolves.toBe("late");
    expect(times).toEqual([0, 100, 400, 900, 1400]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("aioretry: a non-listed error is not retried", async () => {
    let calls = 0;
    const call = aioretry({ exceptions: [Flaky], tries: 5 })(async () => {
      calls++;
      throw new Fatal("no");
    });
    await expect(call()).rejects.toBeInstanceOf(Fatal);
    expect(calls).toBe(1);
  });
});

describe("bad options fail at creation", () => {
  const cases: Array<[string, () => unknown, ErrorConstructor, RegExp]> = [
    ["Retry exceptions", () => Retry("Error" as never), TypeError, /"exceptions" .* got "Error"/],
    ["Retry empty exceptions", () => Retry([]), RangeError, /"exceptions" must list at least one/],
    ["Retry exception entry", () => Retry([5 as never]), TypeError, /exceptions\[0\]/],
    [
      "Retry context",
      () => Retry(Flaky, { tries: 3 } as never),
      TypeError,
      /"context" must be a Context/,
    ],
    [
      "Retry logger",
      () => Retry(Flaky, undefined, { logger: console.log as never }),
      TypeError,
      /"logger"/,
    ],
    ["retry tries 0", () => retry({ tries: 0 }), RangeError, /"tries" .* got 0/],
    ["retry backoff", () => retry({ backoff: -1 }), RangeError, /retry: "backoff" .* got -1/],
    ["retry jitter pair", () => retry({ jitter: [5, 1] }), RangeError, /"jitter" .* \[5, 1\]/],
    [
      "retry jitter shape",
      () => retry({ jitter: [1] as never }),
      TypeError,
      /"jitter" must be a number or a \[min, max\] pair/,
    ],
    ["aioretry delay", () => aioretry({ delay: Number.NaN }), RangeError, /"delay" .* got NaN/],
    [
      "aioretry min > max",
      () => aioretry({ minDelay: 9, maxDelay: 1 }),
      RangeError,
      /"minDelay" \(9\)/,
    ],
    [
      "decorating a non-function",
      () => Retry()(42 as never),
      TypeError,
      /can only wrap a function/,
    ],
  ];
  for (const [name, create, type, message] of cases) {
    it(name, () => {
      expect(create).toThrow(type);
      expect(create).toThrow(message);
    });
  }
});

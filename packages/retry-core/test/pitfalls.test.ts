// One regression test per pitfall of the retry landscape that concerns the engine.
import { getEventListeners } from "node:events";
import {
  Backoff,
  type BackoffOptions,
  type Clock,
  currentAttempt,
  MAX_DELAY,
  ManualClock,
  sleep,
  systemClock,
  TimeoutError,
} from "@retrykit/retry-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

class Flaky extends Error {}
const never = () => new Promise<never>(() => {});

/** A ManualClock that records what the engine asks of it. */
class SpyClock extends ManualClock {
  reads = 0;
  delays: number[] = [];
  override now(): number {
    this.reads++;
    return super.now();
  }
  override setTimeout(callback: () => void, ms: number): unknown {
    this.delays.push(ms);
    return super.setTimeout(callback, ms);
  }
}

function macrotask(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe("unhandled rejections (attempt #48, humanwhocodes/retry #44)", () => {
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  beforeEach(() => {
    unhandled.length = 0;
    process.on("unhandledRejection", record);
  });
  afterEach(() => {
    process.off("unhandledRejection", record);
  });

  it("abandoned attempts, async hooks and lost races reject nothing unhandled", async () => {
    const clock = new ManualClock();
    const rejecters: Array<() => void> = [];
    const slowFailure = () =>
      new Promise<never>((_, reject) => rejecters.push(() => reject(new Flaky("late"))));
    const backoff = new Backoff({
      clock,
      attemptTimeout: 10,
      maxTries: 3,
      onRetry: async () => {
        throw new Error("hook");
      },
      onGiveUp: async () => {
        throw new Error("hook");
      },
    });
    const call = backoff.execute(slowFailure).catch((e) => e);
    await clock.advanceAsync(30);
    expect(TimeoutError.is(await call)).toBe(true);
    for (const reject of rejecters) reject();
    // An aborted call whose attempt fails later.
    const controller = new AbortController();
    const aborted = backoff.executeWith({ signal: controller.signal }, slowFailure).catch((e) => e);
    controller.abort("x");
    expect(await aborted).toBe("x");
    for (const reject of rejecters) reject();
    await macrotask();
    await macrotask();
    expect(unhandled).toEqual([]);
  });
});

describe("ghost retries after settling (@lifeomic/attempt, async-retry #69)", () => {
  it("a timed-out attempt that fails later starts nothing", async () => {
    const clock = new ManualClock();
    let calls = 0;
    const rejecters: Array<() => void> = [];
    const backoff = new Backoff({ clock, attemptTimeout: 10, exceptions: [Flaky], maxTries: 2 });
    const call = backoff
      .execute(() => {
        calls++;
        return new Promise<never>((_, reject) => rejecters.push(() => reject(new Flaky())));
      })
      .catch((e) => e);
    await clock.advanceAsync(20);
    expect(TimeoutError.is(await call)).toBe(true);
    expect(calls).toBe(2);
    for (const reject of rejecters) reject();
    await clock.advanceAsync(1_000);
    expect(calls).toBe(2);
    expect(clock.pendingTimers).toBe(0);
    expect(backoff.statistics.attempts).toBe(2);
  });

  it("a success after the deadline changes nothing", async () => {
    const clock = new ManualClock();
    let resolveLate: (value: string) => void = () => {};
    const call = new Backoff({ clock, deadline: 50 })
      .execute(() => new Promise<string>((resolve) => (resolveLate = resolve)))
      .catch((e) => e);
    await clock.advanceAsync(50);
    resolveLate("too late");
    expect(TimeoutError.is(await call)).toBe(true);
  });
});

describe("listener leaks on a long-lived signal (cockatiel #69/#81, p-timeout #42)", () => {
  it("leaves no abort listener after many calls on every settle path", async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const backoff = new Backoff({
      clock,
      attemptTimeout: 5,
      maxTries: 2,
      exceptions: [Flaky],
      pause: 1,
      signal: controller.signal,
    });
    const calls: Array<Promise<unknown>> = [];
    for (let i = 0; i < 300; i++) {
      calls.push(backoff.execute(async () => i)); // success
      calls.push(backoff.execute(async () => Promise.reject(new Flaky())).catch(() => {})); // give up
      calls.push(backoff.execute(never).catch(() => {})); // timeouts
      calls.push(backoff.execute(async () => Promise.reject(new Error())).catch(() => {})); // not retryable
    }
    await clock.runAllAsync();
    await Promise.all(calls);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it("sleep removes its listener too", async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    for (let i = 0; i < 100; i++) {
      const done = sleep(10, { clock, signal: controller.signal });
      clock.advance(10);
      await done;
    }
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });
});

describe("sleeps that ignore the AbortSignal (cockatiel, exponential-backoff, async-retry)", () => {
  it("an already-aborted signal rejects before any listener or timer (p-retry #97)", async () => {
    const clock = new ManualClock();
    const signal = AbortSignal.abort("early");
    await expect(sleep(100, { clock, signal })).rejects.toBe("early");
    expect(clock.pendingTimers).toBe(0);
  });

  it("abort during sleep rejects at once, clears the timer", async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const done = sleep(1_000, { clock, signal: controller.signal });
    controller.abort("now");
    await expect(done).rejects.toBe("now");
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("timers left behind (ts-retry)", () => {
  it("no timer remains after success, failure, deadline or abort", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({ clock, attemptTimeout: 100, deadline: 1_000, pause: 10 });
    await backoff.execute(async () => "ok");
    expect(clock.pendingTimers).toBe(0);
    await backoff.execute(async () => Promise.reject(new Error("no"))).catch(() => {});
    expect(clock.pendingTimers).toBe(0);
    const controller = new AbortController();
    const aborted = backoff.executeWith({ signal: controller.signal }, never).catch(() => {});
    expect(clock.pendingTimers).toBe(1);
    controller.abort();
    await aborted;
    expect(clock.pendingTimers).toBe(0);
  });
});

describe("unref is explicit (node-retry #26, undici #5675)", () => {
  it("timers are referenced by default and unreferenced with unref: true", async () => {
    const handles: NodeJS.Timeout[] = [];
    const clock: Clock = {
      now: systemClock.now,
      setTimeout: (callback, ms) => {
        const handle = systemClock.setTimeout(callback, ms) as NodeJS.Timeout;
        handles.push(handle);
        return handle;
      },
      clearTimeout: systemClock.clearTimeout,
    };
    for (const unref of [false, true]) {
      const controller = new AbortController();
      const call = new Backoff({ clock, attemptTimeout: 60_000, unref, signal: controller.signal })
        .execute(never)
        .catch(() => {});
      expect(handles.at(-1)?.hasRef()).toBe(!unref);
      controller.abort();
      await call;
    }
  });
});

describe("delay overflow and NaN (koii-node #8, cockatiel #86)", () => {
  it.each<[string, Partial<BackoffOptions>]>([
    ["a pause beyond 2^31-1 ms", { pause: { begin: () => ({ next: () => 1e15 }) } }],
    ["an Infinity retryAfter hint", { retryAfter: () => Number.POSITIVE_INFINITY }],
  ])("clamps %s to 2^31-1 ms", async (_, options) => {
    const clock = new SpyClock();
    const controller = new AbortController();
    const call = new Backoff({ clock, exceptions: [Flaky], signal: controller.signal, ...options })
      .execute(async () => Promise.reject(new Flaky()))
      .catch(() => {});
    await clock.advanceAsync(0);
    expect(clock.delays).toEqual([MAX_DELAY]);
    controller.abort();
    await call;
  });

  it("a strategy returning NaN ends the call with a RangeError instead of a hot loop", async () => {
    const failure = new Flaky();
    let calls = 0;
    const error = await new Backoff({
      exceptions: [Flaky],
      pause: { begin: () => ({ next: () => Number.NaN }) },
    })
      .execute(async () => {
        calls++;
        throw failure;
      })
      .catch((e) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as RangeError).cause).toBe(failure);
    expect(calls).toBe(1);
  });

  it("rejects NaN and Infinity durations at creation", () => {
    expect(() => new Backoff({ attemptTimeout: Number.NaN })).toThrow(RangeError);
    expect(() => new Backoff({ pause: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => new Backoff({ attemptTimeout: MAX_DELAY + 1 })).toThrow(/attemptTimeout/);
  });
});

describe("mutated user errors (p-retry < 7 #25)", () => {
  it("a frozen error passes through timeouts, retries and give-up unchanged", async () => {
    const clock = new ManualClock();
    const frozen = Object.freeze(new Flaky("frozen"));
    let calls = 0;
    const call = new Backoff({ clock, attemptTimeout: 10, exceptions: [Flaky], maxTries: 3 })
      .execute(() => (++calls === 1 ? never() : Promise.reject(frozen)))
      .catch((e) => e);
    await clock.advanceAsync(10);
    expect(await call).toBe(frozen);
    expect(Object.keys(frozen)).toEqual([]);
    expect(calls).toBe(3);
  });
});

describe("maxTries off by one (cockatiel, typescript-retry-decorator)", () => {
  it.each([1, 2, 3, 5, 10])("maxTries %i makes exactly that many calls", async (maxTries) => {
    let calls = 0;
    await new Backoff({ maxTries, exceptions: [Flaky] })
      .execute(async () => {
        calls++;
        throw new Flaky();
      })
      .catch(() => {});
    expect(calls).toBe(maxTries);
  });
});

describe("zero delay (cockatiel schedules a timer; p-retry documents starvation)", () => {
  it("goes straight on without a timer", async () => {
    const clock = new SpyClock();
    let calls = 0;
    const result = await new Backoff({ clock, exceptions: [Flaky], maxTries: 5 }).execute(
      async () => {
        if (++calls < 5) throw new Flaky();
        return calls;
      },
    );
    expect(result).toBe(5);
    expect(clock.delays).toEqual([]);
  });

  it("an unlimited zero-pause loop still lets a macrotask abort it", async () => {
    const controller = new AbortController();
    let calls = 0;
    setImmediate(() => controller.abort("enough"));
    const error = await new Backoff({ retryIf: () => true, signal: controller.signal })
      .execute(() => {
        calls++;
        throw new Flaky();
      })
      .catch((e) => e);
    expect(error).toBe("enough");
    expect(calls).toBeLessThanOrEqual(64);
  });
});

describe("fast path", () => {
  it("a first-attempt success without limits reads no clock and sets no timer", async () => {
    const clock = new SpyClock();
    const backoff = new Backoff({ clock, exceptions: [Flaky], maxTries: 3, pause: 100 });
    for (let i = 0; i < 10; i++) await backoff.execute(async () => i);
    expect(clock.reads).toBe(0);
    expect(clock.delays).toEqual([]);
    expect(backoff.statistics).toMatchObject({ attempts: 10, done: 10, totalTime: 0 });
  });

  it("the attempt context is still there when asked for", async () => {
    const clock = new SpyClock(1_000);
    const seen = await new Backoff({ clock }).execute(async () => {
      const attempt = currentAttempt()!;
      return [attempt.attempt, attempt.signal.aborted, attempt.elapsed(), attempt.remaining()];
    });
    expect(seen).toEqual([1, false, 0, undefined]);
    expect(currentAttempt()).toBeUndefined();
  });
});

describe("deadlines that do not bound total time (tenacity #423, node-retry)", () => {
  it("total time never exceeds the deadline, whatever the pauses and attempt timeouts", async () => {
    for (const [attemptTimeout, pause] of [
      [30, 25],
      [70, 1],
      [100, 0],
      [13, 17],
    ] as const) {
      const clock = new ManualClock();
      const call = new Backoff({ clock, attemptTimeout, pause, deadline: 100 })
        .execute(never)
        .catch((e) => e);
      await clock.runAllAsync();
      await call;
      expect(clock.now()).toBeLessThanOrEqual(100);
    }
  });

  it("a retryAfter hint replaces the pause and is bounded by the deadline", async () => {
    const clock = new ManualClock();
    let calls = 0;
    const reasons: string[] = [];
    const call = new Backoff({
      clock,
      exceptions: [Flaky],
      pause: 1,
      deadline: 100,
      retryAfter: () => (calls === 1 ? 40 : 500),
      onGiveUp: (event) => reasons.push(event.reason),
    })
      .execute(async () => {
        calls++;
        throw new Flaky();
      })
      .catch((e) => e);
    await clock.runAllAsync();
    await call;
    expect(calls).toBe(2);
    expect(clock.now()).toBe(40);
    expect(reasons).toEqual(["deadline"]);
  });
});

describe("state kept on shared objects (aiohttp_retry FibonacciRetry)", () => {
  it("concurrent calls of one Backoff get their own delay sequences", async () => {
    const clock = new ManualClock();
    const pause = {
      begin: () => {
        let n = 0;
        return { next: () => ++n * 10 };
      },
    };
    const delays: number[] = [];
    const backoff = new Backoff({
      clock,
      pause,
      exceptions: [Flaky],
      maxTries: 3,
      onRetry: (e) => delays.push(e.delay),
    });
    const fail = async () => Promise.reject(new Flaky());
    const calls = [backoff.execute(fail).catch(() => {}), backoff.execute(fail).catch(() => {})];
    await clock.runAllAsync();
    await Promise.all(calls);
    expect(delays).toEqual([10, 10, 20, 20]);
  });
});

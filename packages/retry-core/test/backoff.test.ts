import {
  Backoff,
  type BackoffOptions,
  currentAttempt,
  ManualClock,
  TimeoutError,
} from "@retrykit/retry-core";
import { describe, expect, it, vi } from "vitest";

class Flaky extends Error {}
class Fatal extends Error {}

/** A function failing `failures` times with `error`, then resolving "ok"; counts its calls. */
function failing(failures: number, error: () => unknown = () => new Flaky("flaky")) {
  const fn = vi.fn(async () => {
    if (fn.mock.calls.length <= failures) throw error();
    return "ok";
  });
  return fn;
}

function settleState<T>(promise: Promise<T>) {
  const state: { status: "pending" | "fulfilled" | "rejected"; value?: T; error?: unknown } = {
    status: "pending",
  };
  promise.then(
    (value) => {
      state.status = "fulfilled";
      state.value = value;
    },
    (error) => {
      state.status = "rejected";
      state.error = error;
    },
  );
  return state;
}

const never = () => new Promise<never>(() => {});

describe("Backoff.execute", () => {
  it("resolves with the result and passes the arguments and no this", async () => {
    const backoff = new Backoff();
    const fn = vi.fn(function (this: unknown, a: number, b: string) {
      return Promise.resolve(`${String(this)}:${a}${b}`);
    });
    await expect(backoff.execute(fn, 1, "x")).resolves.toBe("undefined:1x");
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("accepts synchronous functions and values", async () => {
    await expect(new Backoff().execute(() => 42)).resolves.toBe(42);
  });

  it("retries listed exceptions and makes exactly maxTries calls", async () => {
    const fn = failing(10);
    const error = await new Backoff({ exceptions: [Flaky], maxTries: 3 })
      .execute(fn)
      .catch((e) => e);
    expect(error).toBeInstanceOf(Flaky);
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it("succeeds on the last allowed try", async () => {
    const fn = failing(2);
    await expect(new Backoff({ exceptions: [Flaky], maxTries: 3 }).execute(fn)).resolves.toBe("ok");
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it("maxTries 1 means one call", async () => {
    const fn = failing(5);
    await expect(new Backoff({ exceptions: [Flaky], maxTries: 1 }).execute(fn)).rejects.toThrow(
      Flaky,
    );
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("does not retry errors outside exceptions; the original object propagates, unchanged", async () => {
    const original = Object.freeze(new Fatal("fatal"));
    const fn = vi.fn(async () => {
      throw original;
    });
    const error = await new Backoff({ exceptions: [Flaky], maxTries: 5 })
      .execute(fn)
      .catch((e) => e);
    expect(error).toBe(original);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("with no exceptions retries only attempt timeouts", async () => {
    const fn = failing(1);
    await expect(new Backoff({ maxTries: 5 }).execute(fn)).rejects.toThrow(Flaky);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it("retryIf selects errors as well", async () => {
    const fn = failing(2, () => ({ code: 503 }));
    const backoff = new Backoff({ retryIf: (e) => (e as { code: number }).code === 503 });
    await expect(backoff.execute(fn)).resolves.toBe("ok");
    expect(fn).toHaveBeenCalledTimes(3);
  });

  it("giveup stops at once", async () => {
    const fn = failing(5);
    const giveup = vi.fn(() => true);
    await expect(
      new Backoff({ exceptions: [Flaky], giveup, maxTries: 5 }).execute(fn),
    ).rejects.toThrow(Flaky);
    expect(fn).toHaveBeenCalledTimes(1);
    expect(giveup).toHaveBeenCalledTimes(1);
  });

  it("retries synchronous throws too", async () => {
    let calls = 0;
    const result = await new Backoff({ exceptions: [Flaky], maxTries: 3 }).execute(() => {
      if (++calls < 3) throw new Flaky();
      return "done";
    });
    expect(result).toBe("done");
  });

  it("waits the pause between attempts, on the clock", async () => {
    const clock = new ManualClock();
    const fn = failing(2);
    const state = settleState(new Backoff({ clock, exceptions: [Flaky], pause: 100 }).execute(fn));
    await clock.advanceAsync(0);
    expect(fn).toHaveBeenCalledTimes(1);
    await clock.advanceAsync(99);
    expect(fn).toHaveBeenCalledTimes(1);
    await clock.advanceAsync(1);
    expect(fn).toHaveBeenCalledTimes(2);
    await clock.advanceAsync(100);
    expect(fn).toHaveBeenCalledTimes(3);
    expect(state.status).toBe("fulfilled");
    expect(clock.pendingTimers).toBe(0);
  });

  it("uses a delay strategy's sequence", async () => {
    const clock = new ManualClock();
    const delays: number[] = [];
    const pause = { begin: () => ({ next: (attempt: number) => attempt * 10 }) };
    const fn = failing(3);
    const call = new Backoff({
      clock,
      exceptions: [Flaky],
      pause,
      onRetry: (e) => delays.push(e.delay),
    }).execute(fn);
    await clock.runAllAsync();
    await expect(call).resolves.toBe("ok");
    expect(delays).toEqual([10, 20, 30]);
  });
});

describe("attempt timeout", () => {
  it("abandons a slow attempt, aborts its signal and retries", async () => {
    const clock = new ManualClock();
    const signals: AbortSignal[] = [];
    let calls = 0;
    const fn = () => {
      signals.push(currentAttempt()!.signal);
      return ++calls < 3 ? never() : Promise.resolve("late ok");
    };
    const state = settleState(new Backoff({ clock, attemptTimeout: 50 }).execute(fn));
    await clock.advanceAsync(50);
    expect(signals[0]?.aborted).toBe(true);
    expect(signals[0]?.reason).toBeInstanceOf(TimeoutError);
    expect((signals[0]!.reason as TimeoutError).kind).toBe("attempt");
    await clock.advanceAsync(50);
    await clock.advanceAsync(0);
    expect(state.status).toBe("fulfilled");
    expect(state.value).toBe("late ok");
    expect(signals[2]?.aborted).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it("rejects with the TimeoutError after maxTries timeouts", async () => {
    const clock = new ManualClock();
    const state = settleState(
      new Backoff({ clock, attemptTimeout: 10, maxTries: 2 }).execute(never),
    );
    await clock.advanceAsync(20);
    expect(state.status).toBe("rejected");
    expect(state.error).toBeInstanceOf(TimeoutError);
    expect((state.error as TimeoutError).kind).toBe("attempt");
    expect((state.error as TimeoutError).timeout).toBe(10);
  });
});

describe("deadline", () => {
  it("rejects with a TimeoutError when no attempt had failed", async () => {
    const clock = new ManualClock();
    const state = settleState(new Backoff({ clock, deadline: 100 }).execute(never));
    await clock.advanceAsync(99);
    expect(state.status).toBe("pending");
    await clock.advanceAsync(1);
    expect(state.status).toBe("rejected");
    expect(TimeoutError.is(state.error)).toBe(true);
    expect((state.error as TimeoutError).kind).toBe("deadline");
    expect(clock.pendingTimers).toBe(0);
  });

  it("rejects with the last attempt's error after a failure", async () => {
    const clock = new ManualClock();
    const first = new Flaky("first");
    let calls = 0;
    const fn = () => (++calls === 1 ? Promise.reject(first) : never());
    const state = settleState(
      new Backoff({ clock, deadline: 100, exceptions: [Flaky], pause: 10 }).execute(fn),
    );
    await clock.advanceAsync(100);
    expect(state.error).toBe(first);
    expect(calls).toBe(2);
  });

  it("never sleeps past the deadline: gives up when the pause would reach it", async () => {
    const clock = new ManualClock();
    const fn = failing(10);
    const onGiveUp = vi.fn();
    const state = settleState(
      new Backoff({ clock, deadline: 100, exceptions: [Flaky], pause: 60, onGiveUp }).execute(fn),
    );
    await clock.advanceAsync(60);
    expect(fn).toHaveBeenCalledTimes(2);
    expect(state.status).toBe("rejected");
    expect(clock.now()).toBe(60);
    expect(onGiveUp.mock.calls[0]?.[0].reason).toBe("deadline");
  });

  it("bounds an attempt by the time left: min(attemptTimeout, remaining)", async () => {
    const clock = new ManualClock();
    const remaining: Array<number | undefined> = [];
    const fn = () => {
      remaining.push(currentAttempt()!.remaining());
      return never();
    };
    const state = settleState(
      new Backoff({ clock, attemptTimeout: 40, deadline: 100, pause: 10 }).execute(fn),
    );
    await clock.runAllAsync();
    // attempts at 0 (40 ms), 50 (40 ms), 100? no: at 100 the deadline has passed.
    expect(remaining).toEqual([40, 40]);
    expect(clock.now()).toBe(90);
    expect(state.error).toBeInstanceOf(TimeoutError);
    expect((state.error as TimeoutError).kind).toBe("attempt");
  });
});

describe("abort", () => {
  it("rejects at once with the reason when already aborted, calling nothing", async () => {
    const fn = vi.fn(async () => "x");
    const reason = new Error("stop");
    await expect(new Backoff().executeWith({ signal: AbortSignal.abort(reason) }, fn)).rejects.toBe(
      reason,
    );
    expect(fn).not.toHaveBeenCalled();
  });

  it("mid-attempt: rejects at once, aborts the attempt's signal, removes its listener", async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    let attemptSignal: AbortSignal | undefined;
    const backoff = new Backoff({ clock, attemptTimeout: 1_000, exceptions: [Flaky] });
    const state = settleState(
      backoff.executeWith({ signal: controller.signal }, () => {
        attemptSignal = currentAttempt()!.signal;
        return never();
      }),
    );
    await clock.advanceAsync(10);
    controller.abort("why");
    await clock.advanceAsync(0);
    expect(state.status).toBe("rejected");
    expect(state.error).toBe("why");
    expect(attemptSignal?.aborted).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    expect(backoff.statistics.cancels).toBe(1);
  });

  it("mid-pause: rejects at once with the reason, not the last failure, and clears the timer", async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const fn = failing(10);
    const state = settleState(
      new Backoff({ clock, exceptions: [Flaky], pause: 1_000, signal: controller.signal }).execute(
        fn,
      ),
    );
    await clock.advanceAsync(10);
    expect(clock.pendingTimers).toBe(1);
    controller.abort(new Error("cancelled"));
    await clock.advanceAsync(0);
    expect((state.error as Error).message).toBe("cancelled");
    expect(clock.pendingTimers).toBe(0);
    await clock.advanceAsync(5_000);
    expect(fn).toHaveBeenCalledTimes(1);
  });

  it('reports an abort to onGiveUp with the reason "aborted" and the abort reason as error', async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    const giveUps: Array<[number, unknown, string]> = [];
    const backoff = new Backoff({
      clock,
      exceptions: [Flaky],
      pause: 1_000,
      onGiveUp: (e) => giveUps.push([e.attempt, e.error, e.reason]),
    });
    const state = settleState(backoff.executeWith({ signal: controller.signal }, failing(10)));
    await clock.advanceAsync(10);
    controller.abort("enough");
    await clock.advanceAsync(0);
    expect(state.error).toBe("enough");
    expect(giveUps).toEqual([[1, "enough", "aborted"]]);
    expect(backoff.statistics).toMatchObject({ cancels: 1, giveups: 0 });

    await backoff.executeWith({ signal: AbortSignal.abort("before") }, failing(0)).catch(() => {});
    expect(giveUps.at(-1)).toEqual([0, "before", "aborted"]);
  });
});

describe("abort from a decision hook", () => {
  it("a giveup hook that aborts the call's signal ends it once, as aborted", async () => {
    const controller = new AbortController();
    const giveUps: string[] = [];
    const backoff = new Backoff({
      exceptions: [Flaky],
      giveup: () => {
        controller.abort("stop");
        return true;
      },
      onGiveUp: (e) => giveUps.push(e.reason),
    });
    await expect(backoff.executeWith({ signal: controller.signal }, failing(1))).rejects.toBe(
      "stop",
    );
    expect(giveUps).toEqual(["aborted"]);
    expect(backoff.statistics).toMatchObject({ cancels: 1, giveups: 0, retries: 0 });
  });

  it("a retryAfter hook that aborts the call's signal ends it once, with no retry", async () => {
    const controller = new AbortController();
    const calls = failing(1);
    const events: string[] = [];
    const backoff = new Backoff({
      exceptions: [Flaky],
      retryAfter: () => {
        controller.abort("stop");
        return 0;
      },
      onRetry: () => events.push("retry"),
      onGiveUp: (e) => events.push(e.reason),
    });
    await expect(backoff.executeWith({ signal: controller.signal }, calls)).rejects.toBe("stop");
    expect(events).toEqual(["aborted"]);
    expect(backoff.statistics).toMatchObject({ attempts: 1, cancels: 1, retries: 0 });
  });
});

describe("statistics and hooks", () => {
  it("counts attempts, errors, retries, done and giveups", async () => {
    const events: unknown[] = [];
    const backoff = new Backoff({
      exceptions: [Flaky],
      maxTries: 2,
      onRetry: (e) => events.push(["retry", e.attempt, e.delay]),
      onGiveUp: (e) => events.push(["giveup", e.attempt, e.reason]),
    });
    await backoff.execute(failing(1));
    await backoff.execute(failing(5)).catch(() => {});
    await backoff.execute(failing(1, () => new Fatal())).catch(() => {});
    expect(backoff.statistics).toMatchObject({
      attempts: 5,
      done: 1,
      errors: 4,
      retries: 2,
      giveups: 2,
      cancels: 0,
    });
    expect(events).toEqual([
      ["retry", 1, 0],
      ["retry", 1, 0],
      ["giveup", 2, "max-tries"],
      ["giveup", 1, "not-retryable"],
    ]);
  });
});

describe("options", () => {
  const bad: Array<[BackoffOptions, ErrorConstructor, RegExp]> = [
    [{ attemptTimeout: -1 }, RangeError, /attemptTimeout.*-1/],
    [{ deadline: -5 }, RangeError, /deadline.*-5/],
    [{ pause: -1 }, RangeError, /pause.*-1/],
    [{ pause: Number.NaN }, RangeError, /pause.*NaN/],
    [{ deadline: Number.POSITIVE_INFINITY }, RangeError, /deadline.*Infinity/],
    [{ maxTries: 0 }, RangeError, /maxTries.*0/],
    [{ maxTries: 1.5 }, RangeError, /maxTries must be an integer >= 1, or Infinity or null.*1\.5/],
    [{ maxTries: Number.NaN }, RangeError, /maxTries must be an integer >= 1, or Infinity.*NaN/],
    [{ maxTries: Number.NEGATIVE_INFINITY }, RangeError, /maxTries.*-Infinity/],
    [{ maxTries: "3" as never }, TypeError, /maxTries.*"3"/],
    [{ giveup: 1 as never }, TypeError, /giveup.*1/],
    [{ exceptions: [1 as never] }, TypeError, /exceptions\[0\]/],
  ];
  it.each(bad)("rejects %o at creation", (options, type, message) => {
    expect(() => new Backoff(options)).toThrow(type);
    expect(() => new Backoff(options)).toThrow(message);
  });

  it("maxTries: Infinity is the explicit unlimited mode, like null", async () => {
    for (const maxTries of [Number.POSITIVE_INFINITY, null]) {
      let calls = 0;
      const result = await new Backoff({ maxTries, retryIf: () => true }).execute(() => {
        if (++calls < 25) throw new Error("not yet");
        return calls;
      });
      expect(result).toBe(25);
    }
  });

  it("never modifies the options object", () => {
    const options = Object.freeze({ maxTries: 3, exceptions: Object.freeze([Flaky]) });
    expect(() => new Backoff(options)).not.toThrow();
  });
});

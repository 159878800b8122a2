import {
  Backoff,
  BrokenCircuitError,
  CircuitBreaker,
  Context,
  type GiveUpEvent,
  ManualClock,
  Retry,
  RetryBudget,
  RetryError,
  type RetryHistory,
  retryHistory,
  TimeoutError,
} from "@retrykit/retry-core";
import { describe, expect, it } from "vitest";

class Flaky extends Error {}

/** An attempt that takes `ms` on the manual clock, then fails with `error` (or resolves `value`). */
function after<T>(clock: ManualClock, ms: number, outcome: () => T): Promise<Awaited<T>> {
  return new Promise((resolve, reject) => {
    clock.setTimeout(() => {
      try {
        Promise.resolve(outcome()).then(resolve, reject);
      } catch (error) {
        reject(error);
      }
    }, ms);
  });
}

function shape(history: RetryHistory | undefined) {
  return history?.attempts.map((a) => ({
    attempt: a.attempt,
    startedAt: a.startedAt,
    duration: a.duration,
    outcome: a.outcome,
    delay: a.delay,
    delaySource: a.delaySource,
    delayLimit: a.delayLimit,
    hedged: a.hedged,
  }));
}

describe("failure history: one per stop reason", () => {
  it("max-tries: every attempt with its start, duration, error and the pause chosen", async () => {
    const clock = new ManualClock();
    const errors: Flaky[] = [];
    const backoff = new Backoff({ clock, maxTries: 3, pause: 100, exceptions: [Flaky] });
    const call = backoff.execute(() =>
      after(clock, 10, () => {
        const error = new Flaky(`attempt ${errors.length + 1}`);
        errors.push(error);
        throw error;
      }),
    );
    const caught = call.catch((e: unknown) => e);
    await clock.runAllAsync();
    const error = await caught;
    // The original error, untouched: same object, no own property added.
    expect(error).toBe(errors[2]);
    expect(Reflect.ownKeys(error as object).sort()).toEqual(["message", "stack"]);
    const history = retryHistory(error);
    expect(history?.stopReason).toBe("max-tries");
    expect(history?.omitted).toBe(0);
    expect(history?.attempts.map((a) => a.error)).toEqual(errors);
    expect(shape(history)).toEqual([
      {
        attempt: 1,
        // Untimed until it failed: dated at its failure, its duration unknown.
        startedAt: 10,
        duration: Number.NaN,
        outcome: "error",
        delay: 100,
        delaySource: "strategy",
        delayLimit: undefined,
        hedged: false,
      },
      {
        attempt: 2,
        startedAt: 110,
        duration: 10,
        outcome: "error",
        delay: 100,
        delaySource: "strategy",
        delayLimit: undefined,
        hedged: false,
      },
      {
        attempt: 3,
        startedAt: 220,
        duration: 10,
        outcome: "error",
        delay: undefined,
        delaySource: undefined,
        delayLimit: undefined,
        hedged: false,
      },
    ]);
  });

  it("a timed call measures its first attempt too (its start is the call's)", async () => {
    const clock = new ManualClock(1_000);
    const backoff = new Backoff({
      clock,
      maxTries: 2,
      pause: 5,
      exceptions: [Flaky],
      deadline: 10_000,
    });
    const caught = backoff
      .execute(() => after(clock, 7, () => Promise.reject(new Flaky("x"))))
      .catch((e: unknown) => e);
    await clock.runAllAsync();
    const history = retryHistory(await caught);
    expect(history?.attempts.map((a) => [a.startedAt, a.duration])).toEqual([
      [1_000, 7],
      [1_012, 7],
    ]);
  });

  it("the fast path dates an untimed first attempt at its failure, with an unmeasured duration", async () => {
    const clock = new ManualClock(500);
    const error = new TypeError("bad input");
    const caught = await new Backoff({ clock, exceptions: [Flaky] })
      .execute(() => Promise.reject(error))
      .catch((e: unknown) => e);
    expect(caught).toBe(error);
    const history = retryHistory(error);
    expect(history?.stopReason).toBe("not-retryable");
    expect(history?.attempts).toHaveLength(1);
    expect(history?.attempts[0]?.startedAt).toBe(500);
    expect(history?.attempts[0]?.duration).toBeNaN();
  });

  it("success: onRetry sees the history grow; it ends with the value and the reason success", async () => {
    const clock = new ManualClock();
    const seen: { attempts: number; stopReason: unknown; delay: unknown }[] = [];
    let kept: RetryHistory | undefined;
    let n = 0;
    const backoff = new Backoff({
      clock,
      pause: 50,
      exceptions: [Flaky],
      onRetry: ({ history }) => {
        kept = history;
        seen.push({
          attempts: history.attempts.length,
          stopReason: history.stopReason,
          delay: history.attempts.at(-1)?.delay,
        });
      },
    });
    const call = backoff.execute(() =>
      after(clock, 1, () => {
        if (++n < 3) throw new Flaky(String(n));
        return "ok";
      }),
    );
    await clock.runAllAsync();
    expect(await call).toBe("ok");
    expect(seen).toEqual([
      { attempts: 1, stopReason: undefined, delay: 50 },
      { attempts: 2, stopReason: undefined, delay: 50 },
    ]);
    expect(kept?.stopReason).toBe("success");
    expect(kept?.attempts.at(-1)).toMatchObject({
      attempt: 3,
      outcome: "value",
      value: "ok",
      startedAt: 102,
      duration: 1,
    });
  });

  it("giveup: the hook's verdict is the stop reason, and onGiveUp gets the same history", async () => {
    const clock = new ManualClock();
    const events: GiveUpEvent[] = [];
    const error = new Flaky("fatal");
    const caught = await new Backoff({
      clock,
      exceptions: [Flaky],
      giveup: (e) => e === error,
      onGiveUp: (event) => events.push(event),
    })
      .execute(() => Promise.reject(error))
      .catch((e: unknown) => e);
    expect(caught).toBe(error);
    expect(events[0]?.reason).toBe("giveup");
    expect(events[0]?.history).toBe(retryHistory(error));
    expect(events[0]?.history.stopReason).toBe("giveup");
  });

  it("deadline: a server hint that reaches the deadline is noted as limited by it", async () => {
    const clock = new ManualClock();
    const error = new Flaky("slow down");
    const caught = await new Backoff({
      clock,
      deadline: 1_000,
      exceptions: [Flaky],
      retryAfter: () => 5_000,
    })
      .execute(() => Promise.reject(error))
      .catch((e: unknown) => e);
    expect(caught).toBe(error);
    const history = retryHistory(error);
    expect(history?.stopReason).toBe("deadline");
    expect(shape(history)?.[0]).toMatchObject({
      delay: 5_000,
      delaySource: "retry-after",
      delayLimit: "deadline",
    });
  });

  it("deadline: an attempt cut by the deadline is recorded with the TimeoutError", async () => {
    const clock = new ManualClock();
    const first = new Flaky("first");
    let n = 0;
    const caught = backoffCall(clock, () =>
      ++n === 1 ? Promise.reject(first) : new Promise(() => {}),
    );
    await clock.runAllAsync();
    const error = await caught;
    // aiomisc's rule: the deadline rejects with the last failure.
    expect(error).toBe(first);
    const history = retryHistory(error);
    expect(history?.stopReason).toBe("deadline");
    expect(history?.attempts).toHaveLength(2);
    const cut = history?.attempts[1];
    expect(TimeoutError.is(cut?.error) && cut.error.kind).toBe("deadline");
    expect(cut?.startedAt).toBe(10);
    expect(cut?.duration).toBe(90);
  });

  it("aborted: the attempt the abort cut short is recorded with the reason", async () => {
    const clock = new ManualClock();
    const controller = new AbortController();
    let n = 0;
    const call = new Backoff({ clock, pause: 10, exceptions: [Flaky] })
      .executeWith({ signal: controller.signal }, () =>
        ++n === 1 ? Promise.reject(new Flaky("1")) : new Promise(() => {}),
      )
      .catch((e: unknown) => e);
    await clock.advanceAsync(10);
    const reason = new Error("user left");
    controller.abort(reason);
    expect(await call).toBe(reason);
    const history = retryHistory(reason);
    expect(history?.stopReason).toBe("aborted");
    expect(history?.attempts.map((a) => [a.attempt, a.outcome, a.error])).toEqual([
      [1, "error", expect.any(Flaky)],
      [2, "error", reason],
    ]);
  });

  it("budget: the retry the budget refused ends the history with reason budget", async () => {
    const budget = new RetryBudget({ maxTokens: 2, tokenRatio: 0.5 });
    // Drain the budget below half its tokens: retries are refused from then on.
    budget.onFailure();
    budget.onFailure();
    const error = new Flaky("down");
    const caught = await new Backoff({ exceptions: [Flaky], budget })
      .execute(() => Promise.reject(error))
      .catch((e: unknown) => e);
    expect(caught).toBe(error);
    expect(retryHistory(error)?.stopReason).toBe("budget");
    expect(retryHistory(error)?.attempts).toHaveLength(1);
  });

  it("circuit-open: the refusal ends the history with reason circuit-open", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ threshold: 2, clock });
    const errors: Flaky[] = [];
    const caught = await new Backoff({ clock, maxTries: 5, exceptions: [Flaky], breaker })
      .execute(() => {
        const error = new Flaky(String(errors.length));
        errors.push(error);
        return Promise.reject(error);
      })
      .catch((e: unknown) => e);
    expect(caught).toBeInstanceOf(BrokenCircuitError);
    const history = retryHistory(caught);
    expect(history?.stopReason).toBe("circuit-open");
    expect(history?.attempts.map((a) => a.error)).toEqual(errors);
  });

  it("hedged attempts are flagged and kept in attempt order", async () => {
    const clock = new ManualClock();
    const errors = [new Flaky("slow one"), new Flaky("hedge")];
    let n = 0;
    const caught = new Backoff({
      clock,
      maxTries: 2,
      exceptions: [Flaky],
      hedge: { delay: 100, maxAttempts: 2 },
    })
      .execute(() => {
        const mine = n++;
        // The first attempt fails after the hedge, which fails sooner.
        return after(clock, mine === 0 ? 300 : 50, () => Promise.reject(errors[mine]));
      })
      .catch((e: unknown) => e);
    await clock.runAllAsync();
    const error = await caught;
    expect(error).toBe(errors[0]);
    const history = retryHistory(error);
    expect(history?.stopReason).toBe("max-tries");
    expect(history?.attempts.map((a) => [a.attempt, a.hedged, a.startedAt, a.duration])).toEqual([
      [1, false, 0, 300],
      [2, true, 100, 50],
    ]);
  });

  it("an error no retried call threw has no history", () => {
    expect(retryHistory(new Error("elsewhere"))).toBeUndefined();
    expect(retryHistory("a string")).toBeUndefined();
    expect(retryHistory(undefined)).toBeUndefined();
  });
});

function backoffCall(clock: ManualClock, fn: () => Promise<unknown>): Promise<unknown> {
  return new Backoff({ clock, deadline: 100, pause: 10, exceptions: [Flaky] })
    .execute(fn)
    .catch((e: unknown) => e);
}

describe('errors: "aggregate"', () => {
  it("throws a RetryError with every attempt's error in order and the last as cause", async () => {
    const clock = new ManualClock();
    const errors = [new Flaky("a"), new Flaky("b"), new Flaky("c")];
    let n = 0;
    const events: GiveUpEvent[] = [];
    const caught = new Backoff({
      clock,
      maxTries: 3,
      pause: 1,
      exceptions: [Flaky],
      errors: "aggregate",
      onGiveUp: (e) => events.push(e),
    })
      .execute(() => Promise.reject(errors[n++]))
      .catch((e: unknown) => e);
    await clock.runAllAsync();
    const error = await caught;
    expect(error).toBeInstanceOf(RetryError);
    expect(error).toBeInstanceOf(AggregateError);
    const retryError = error as RetryError;
    expect(retryError.errors).toEqual(errors);
    expect(retryError.errors[0]).toBe(errors[0]);
    expect(retryError.cause).toBe(errors[2]);
    expect(retryError.stopReason).toBe("max-tries");
    expect(retryError.attempts).toBe(3);
    expect(retryError.message).toBe("gave up after 3 attempts (max-tries): c");
    expect(RetryError.is(retryError)).toBe(true);
    expect(retryHistory(retryError)?.attempts).toHaveLength(3);
    expect(retryHistory(errors[2])).toBe(retryHistory(retryError));
    expect(events[0]?.error).toBe(retryError);
  });

  it("a throwing decision hook's error comes last; aborts still throw the signal's reason", async () => {
    const hookError = new Error("hook broke");
    const first = new Flaky("first");
    const caught = (await new Backoff({
      exceptions: [Flaky],
      errors: "aggregate",
      retryAfter: () => {
        throw hookError;
      },
    })
      .execute(() => Promise.reject(first))
      .catch((e: unknown) => e)) as RetryError;
    expect(caught.errors).toEqual([first, hookError]);
    expect(caught.cause).toBe(hookError);

    const controller = new AbortController();
    controller.abort(new Error("stop"));
    const aborted = await new Backoff({ errors: "aggregate" })
      .executeWith({ signal: controller.signal }, async () => 1)
      .catch((e: unknown) => e);
    expect(aborted).toBe(controller.signal.reason);
  });

  it("rejects a bad value, naming the option", () => {
    expect(() => new Backoff({ errors: "all" as never })).toThrow(
      new TypeError('errors must be "last" or "aggregate", got "all"'),
    );
  });
});

describe("the bound for unlimited policies", () => {
  it("keeps the first and the last half of historySize attempts and counts the rest", async () => {
    const clock = new ManualClock();
    let n = 0;
    const caught = new Backoff({
      clock,
      pause: 1,
      historySize: 4,
      exceptions: [Flaky],
      giveup: () => n === 10,
    })
      .execute(() => {
        n++;
        return Promise.reject(new Flaky(String(n)));
      })
      .catch((e: unknown) => e);
    await clock.runAllAsync();
    const history = retryHistory(await caught);
    expect(history?.attempts.map((a) => a.attempt)).toEqual([1, 2, 9, 10]);
    expect(history?.omitted).toBe(6);
    expect(history?.stopReason).toBe("giveup");
  });

  it("stays at its size over 2,000 attempts", async () => {
    let n = 0;
    const caught = await new Backoff({ exceptions: [Flaky], giveup: () => n === 2_000 })
      .execute(async () => {
        n++;
        throw new Flaky(String(n));
      })
      .catch((e: unknown) => e);
    const history = retryHistory(caught);
    expect(history?.attempts).toHaveLength(20);
    expect(history?.omitted).toBe(1_980);
    expect(history?.attempts.at(-1)?.attempt).toBe(2_000);
  });

  it("rejects a bad historySize, naming it", () => {
    expect(() => new Backoff({ historySize: 3 })).toThrow(
      new RangeError("historySize must be an even integer >= 2, got 3"),
    );
    expect(() => new Backoff({ historySize: "5" as never })).toThrow(TypeError);
  });
});

describe("sessions and kaioretry's Retry", () => {
  it("a session that gives up has the history of its attempts", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({ clock, maxTries: 2, pause: 20, exceptions: [Flaky] });
    let n = 0;
    const errors: Flaky[] = [];
    async function* source(): AsyncGenerator<number> {
      const error = new Flaky(String(++n));
      errors.push(error);
      if (n > 0) throw error;
      yield n;
    }
    const consumed = (async () => {
      for await (const _ of backoff.session({}, source)) {
        // nothing is delivered
      }
    })().catch((e: unknown) => e);
    await clock.runAllAsync();
    const error = await consumed;
    expect(error).toBe(errors[1]);
    const history = retryHistory(error);
    expect(history?.stopReason).toBe("max-tries");
    expect(shape(history)?.map((a) => [a.attempt, a.startedAt, a.delay])).toEqual([
      [1, 0, 20],
      [2, 20, undefined],
    ]);
  });

  it("a synchronous Retry call has the history too", () => {
    const errors: Flaky[] = [];
    const retry = Retry([Flaky], new Context({ tries: 3 }));
    const parse = retry(() => {
      const error = new Flaky(String(errors.length));
      errors.push(error);
      throw error;
    });
    let caught: unknown;
    try {
      parse();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBe(errors[2]);
    expect(retryHistory(caught)?.attempts.map((a) => a.error)).toEqual(errors);
    expect(retryHistory(caught)?.stopReason).toBe("max-tries");
  });
});

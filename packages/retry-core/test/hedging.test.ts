import {
  Backoff,
  BrokenCircuitError,
  CircuitBreaker,
  currentAttempt,
  type GiveUpEvent,
  list,
  ManualClock,
  RetryBudget,
  TimeoutError,
} from "@retrykit/retry-core";
import { describe, expect, it } from "vitest";

class Flaky extends Error {}
class Fatal extends Error {}

/** A function whose calls stay pending until the test settles them; records each call. */
function controlled(clock: ManualClock) {
  const calls: Array<{
    at: number;
    attempt: number;
    signal: AbortSignal;
    resolve: (value: string) => void;
    reject: (error: unknown) => void;
  }> = [];
  const fn = () => {
    const context = currentAttempt()!;
    return new Promise<string>((resolve, reject) => {
      calls.push({
        at: clock.now(),
        attempt: context.attempt,
        signal: context.signal,
        resolve,
        reject,
      });
    });
  };
  return { fn, calls };
}

describe("hedging", () => {
  it("starts a hedge each delay while the attempts in flight have not settled, up to maxAttempts", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({ clock, maxTries: 10, hedge: { delay: 100, maxAttempts: 3 } });
    const { fn, calls } = controlled(clock);
    const call = backoff.execute(fn);
    await clock.advanceAsync(1_000);
    expect(calls.map((c) => [c.at, c.attempt])).toEqual([
      [0, 1],
      [100, 2],
      [200, 3],
    ]);
    calls[1]?.resolve("second");
    await expect(call).resolves.toBe("second");
    expect(backoff.statistics).toMatchObject({ attempts: 3, hedges: 2, retries: 0, done: 1 });
  });

  it("the first success wins; every other attempt is aborted and its late value disposed", async () => {
    const clock = new ManualClock();
    const disposed: unknown[] = [];
    const backoff = new Backoff({
      clock,
      hedge: { delay: 50, maxAttempts: 3 },
      dispose: (value) => disposed.push(value),
    });
    const { fn, calls } = controlled(clock);
    const call = backoff.execute(fn);
    await clock.advanceAsync(100);
    expect(calls).toHaveLength(3);
    calls[2]?.resolve("third");
    await expect(call).resolves.toBe("third");
    expect(calls.map((c) => c.signal.aborted)).toEqual([true, true, false]);
    expect(calls[0]?.signal.reason).toMatchObject({ name: "AbortError" });
    expect(clock.pendingTimers).toBe(0);
    calls[0]?.resolve("first, late");
    calls[1]?.reject(new Error("aborted"));
    await clock.advanceAsync(0);
    expect(disposed).toEqual(["first, late"]);
  });

  it("a delay strategy gives the wait before each hedge", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({ clock, hedge: { delay: list([10, 40]), maxAttempts: 4 } });
    const { fn, calls } = controlled(clock);
    const call = backoff.execute(fn);
    await clock.advanceAsync(500);
    expect(calls.map((c) => c.at)).toEqual([0, 10, 50, 90]);
    calls[0]?.resolve("ok");
    await call;
  });

  it("a failed attempt starts the next one at once when the policy would retry", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({
      clock,
      maxTries: 5,
      pause: 1_000,
      retryIf: () => true,
      hedge: { delay: 100, maxAttempts: 2 },
    });
    const { fn, calls } = controlled(clock);
    const call = backoff.execute(fn);
    await clock.advanceAsync(30);
    calls[0]?.reject(new Flaky());
    await clock.advanceAsync(0);
    expect(calls.map((c) => [c.at, c.attempt])).toEqual([
      [0, 1],
      [30, 2],
    ]);
    // the hedge timer starts again from the new attempt
    await clock.advanceAsync(99);
    expect(calls).toHaveLength(2);
    await clock.advanceAsync(1);
    expect(calls.map((c) => c.at)).toEqual([0, 30, 130]);
    calls[2]?.resolve("ok");
    await expect(call).resolves.toBe("ok");
    expect(backoff.statistics).toMatchObject({ attempts: 3, retries: 1, hedges: 1 });
  });

  it("every attempt counts toward maxTries; the call fails with the last error when all have failed", async () => {
    const clock = new ManualClock();
    const events: GiveUpEvent[] = [];
    const backoff = new Backoff({
      clock,
      maxTries: 2,
      retryIf: () => true,
      hedge: { delay: 10, maxAttempts: 3 },
      onGiveUp: (event) => events.push(event),
    });
    const { fn, calls } = controlled(clock);
    const outcome = backoff.execute(fn).catch((e) => e);
    await clock.advanceAsync(100);
    expect(calls).toHaveLength(2);
    calls[1]?.reject(new Flaky("second"));
    await clock.advanceAsync(0);
    expect(calls).toHaveLength(2); // max-tries: no new attempt, the first one still runs
    const last = new Flaky("first, last to fail");
    calls[0]?.reject(last);
    expect(await outcome).toBe(last);
    expect(events).toMatchObject([{ attempt: 2, reason: "max-tries", error: last }]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("a failure the policy does not retry ends the call at once and aborts the others", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({
      clock,
      exceptions: [Flaky],
      hedge: { delay: 10, maxAttempts: 2 },
    });
    const { fn, calls } = controlled(clock);
    const outcome = backoff.execute(fn).catch((e) => e);
    await clock.advanceAsync(10);
    const fatal = new Fatal();
    calls[1]?.reject(fatal);
    expect(await outcome).toBe(fatal);
    expect(calls[0]?.signal.aborted).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it("the attempt timeout applies to each attempt, and the deadline to the call", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({
      clock,
      attemptTimeout: 150,
      deadline: 400,
      hedge: { delay: 100, maxAttempts: 2 },
    });
    const { fn, calls } = controlled(clock);
    const outcome = backoff.execute(fn).catch((e) => e);
    await clock.advanceAsync(150);
    // t=0 first; t=100 hedge; t=150 the first times out: a retry starts at once
    expect(calls.map((c) => c.at)).toEqual([0, 100, 150]);
    expect(TimeoutError.is(calls[0]?.signal.reason)).toBe(true);
    expect(calls[1]?.signal.aborted).toBe(false);
    await clock.advanceAsync(250);
    const error = await outcome;
    expect(TimeoutError.is(error)).toBe(true);
    expect(error.kind).toBe("attempt"); // the last failure wins over the deadline, as without hedging
    expect(calls.every((c) => c.signal.aborted)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it("the deadline with no failure rejects with a deadline TimeoutError", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({ clock, deadline: 250, hedge: { delay: 100, maxAttempts: 5 } });
    const { fn, calls } = controlled(clock);
    const outcome = backoff.execute(fn).catch((e) => e);
    await clock.advanceAsync(300);
    expect(calls.map((c) => c.at)).toEqual([0, 100, 200]);
    expect(await outcome).toMatchObject({ name: "TimeoutError", kind: "deadline" });
    expect(clock.pendingTimers).toBe(0);
  });

  it("the caller's abort ends the call at once, aborts every attempt and removes its listener", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({ clock, hedge: { delay: 10, maxAttempts: 3 } });
    const { fn, calls } = controlled(clock);
    const controller = new AbortController();
    let listeners = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => {
      listeners++;
      add(...args);
    }) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => {
      listeners--;
      remove(...args);
    }) as typeof remove;
    const outcome = backoff.executeWith({ signal }, fn).catch((e) => e);
    await clock.advanceAsync(20);
    expect(listeners).toBe(1);
    const reason = new Error("stop");
    controller.abort(reason);
    expect(await outcome).toBe(reason);
    expect(calls.map((c) => c.signal.reason)).toEqual([reason, reason, reason]);
    expect(listeners).toBe(0);
    expect(clock.pendingTimers).toBe(0);
    expect(backoff.statistics).toMatchObject({ cancels: 1 });
  });

  it("the budget throttles hedges, and each failure costs a token", async () => {
    const clock = new ManualClock();
    const budget = new RetryBudget({ maxTokens: 4, tokenRatio: 1 });
    const backoff = new Backoff({
      clock,
      budget,
      retryIf: () => true,
      hedge: { delay: 10, maxAttempts: 5 },
    });
    budget.onFailure();
    budget.onFailure(); // 2 of 4 left: no retry, no hedge
    const { fn, calls } = controlled(clock);
    const call = backoff.execute(fn);
    await clock.advanceAsync(100);
    expect(calls).toHaveLength(1);
    calls[0]?.resolve("alone");
    await expect(call).resolves.toBe("alone");
    expect(budget.tokens).toBe(3);
  });

  it('a refused retry waits for the attempts still in flight, then stops with "budget"', async () => {
    const clock = new ManualClock();
    const budget = new RetryBudget({ maxTokens: 4, tokenRatio: 1 });
    const events: GiveUpEvent[] = [];
    const backoff = new Backoff({
      clock,
      budget,
      retryIf: () => true,
      hedge: { delay: 10, maxAttempts: 2 },
      onGiveUp: (event) => events.push(event),
    });
    const { fn, calls } = controlled(clock);
    const outcome = backoff.execute(fn).catch((e) => e);
    await clock.advanceAsync(10); // hedge: 4 > 2 allowed
    calls[0]?.reject(new Flaky()); // 3 > 2: a retry
    await clock.advanceAsync(0);
    expect(calls).toHaveLength(3);
    calls[1]?.reject(new Flaky()); // 2: refused; attempt 3 still runs
    await clock.advanceAsync(100);
    expect(calls).toHaveLength(3);
    const last = new Flaky("last");
    calls[2]?.reject(last);
    expect(await outcome).toBe(last);
    expect(events).toMatchObject([{ reason: "budget" }]);
  });

  it("the breaker is asked before each hedge; an open circuit with nothing in flight ends the call", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ threshold: 1, halfOpenAfter: 1_000, clock });
    const backoff = new Backoff({
      clock,
      breaker,
      retryIf: () => true,
      hedge: { delay: 10, maxAttempts: 3 },
    });
    const { fn, calls } = controlled(clock);
    const outcome = backoff.execute(fn).catch((e) => e);
    await clock.advanceAsync(10);
    expect(calls).toHaveLength(2);
    calls[1]?.reject(new Flaky()); // opens the circuit: no retry, no hedge
    await clock.advanceAsync(100);
    expect(calls).toHaveLength(2);
    calls[0]?.reject(new Flaky());
    expect(await outcome).toBeInstanceOf(BrokenCircuitError);
    expect(clock.pendingTimers).toBe(0);
  });

  it("a synchronous success or a value needs no timer", async () => {
    const clock = new ManualClock();
    const backoff = new Backoff({ clock, hedge: { delay: 10, maxAttempts: 3 } });
    await expect(backoff.execute(() => 7)).resolves.toBe(7);
    expect(clock.pendingTimers).toBe(0);
  });

  it("synchronous failures retried at once do not overflow the stack", async () => {
    const backoff = new Backoff({
      maxTries: 5_000,
      retryIf: () => true,
      hedge: { delay: 10, maxAttempts: 2 },
    });
    let calls = 0;
    await expect(
      backoff.execute(() => {
        calls++;
        throw new Flaky();
      }),
    ).rejects.toBeInstanceOf(Flaky);
    expect(calls).toBe(5_000);
  });

  it("validates hedge options", () => {
    expect(() => new Backoff({ hedge: { delay: 10, maxAttempts: 0 } })).toThrow(
      /hedge.maxAttempts.*got 0/,
    );
    expect(() => new Backoff({ hedge: { delay: -1, maxAttempts: 2 } })).toThrow(/hedge.delay/);
    expect(() => new Backoff({ hedge: { delay: "1" as never, maxAttempts: 2 } })).toThrow(
      TypeError,
    );
    expect(() => new Backoff({ hedge: 5 as never })).toThrow(/hedge must be an object/);
    expect(() => new Backoff({ dispose: 5 as never })).toThrow(/dispose must be a function/);
    expect(new Backoff({ hedge: { delay: 10, maxAttempts: 1 } }).policy.hedge).toBeUndefined();
  });
});

describe("dispose without hedging", () => {
  it("receives the late value of an attempt abandoned after its timeout", async () => {
    const clock = new ManualClock();
    const disposed: unknown[] = [];
    const backoff = new Backoff({
      clock,
      attemptTimeout: 10,
      maxTries: 2,
      dispose: (value) => disposed.push(value),
    });
    const { fn, calls } = controlled(clock);
    const call = backoff.execute(fn);
    await clock.advanceAsync(10);
    expect(calls).toHaveLength(2);
    calls[1]?.resolve("second");
    await expect(call).resolves.toBe("second");
    calls[0]?.resolve("first, too late");
    await clock.advanceAsync(0);
    expect(disposed).toEqual(["first, too late"]);
  });
});

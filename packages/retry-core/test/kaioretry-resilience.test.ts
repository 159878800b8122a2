import { describe, expect, it } from "vitest";
import { BrokenCircuitError, CircuitBreaker, RetryBudget, retryHistory } from "../src/index.js";
import { aioretry, Context, Retry, retry } from "../src/kaioretry/index.js";
import { ManualClock } from "../src/testing/manual-clock.js";

class Flaky extends Error {
  override name = "Flaky";
}
class Fatal extends Error {
  override name = "Fatal";
}

/** A function that counts its calls and throws what `error` makes, or returns "ok" when it makes nothing. */
function counted(error: (call: number) => unknown) {
  let calls = 0;
  const fn = () => {
    calls++;
    const thrown = error(calls);
    if (thrown !== undefined) throw thrown;
    return "ok";
  };
  return { fn, calls: () => calls };
}

const noSleep = () => {};
const contextOf = (tries: number) =>
  new Context({ tries, delay: 0, clock: new ManualClock(), blockingSleep: noSleep });

describe("kaioretry's Retry with a retry budget", () => {
  it("a synchronous loop stops with stop reason budget once the bucket is at half", () => {
    // 4 tokens: the first failure leaves 3 (> 2, retried), the second leaves 2 (refused).
    const budget = new RetryBudget({ maxTokens: 4, tokenRatio: 0.5 });
    const { fn, calls } = counted(() => new Flaky("down"));
    const retried = Retry(Flaky, contextOf(10), { budget }).retry(fn);
    let thrown: unknown;
    try {
      retried();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Flaky);
    expect(calls()).toBe(2);
    expect(retryHistory(thrown)?.stopReason).toBe("budget");
    expect(budget.tokens).toBe(2);
  });

  it("successes refill it, and failures that are not retried cost nothing", () => {
    const budget = new RetryBudget({ maxTokens: 4, tokenRatio: 0.5 });
    const fatal = counted(() => new Fatal("no"));
    expect(() => Retry(Flaky, contextOf(10), { budget }).retry(fatal.fn)()).toThrow(Fatal);
    expect(budget.tokens).toBe(4);
    const once = counted((call) => (call === 1 ? new Flaky("blip") : undefined));
    expect(Retry(Flaky, contextOf(10), { budget }).retry(once.fn)()).toBe("ok");
    // One failure (-1), one success (+0.5).
    expect(budget.tokens).toBe(3.5);
  });

  it("the asynchronous path spends the same budget (shared with the top-level aioretry)", async () => {
    const budget = new RetryBudget({ maxTokens: 4, tokenRatio: 0.5 });
    const { fn, calls } = counted(() => new Flaky("down"));
    const retried = aioretry({ exceptions: Flaky, tries: 10, budget })(async () => fn());
    const thrown = await retried().catch((error: unknown) => error);
    expect(thrown).toBeInstanceOf(Flaky);
    expect(calls()).toBe(2);
    expect(retryHistory(thrown)?.stopReason).toBe("budget");
    expect(budget.tokens).toBe(2);
  });
});

describe("kaioretry's Retry with a circuit breaker", () => {
  it("opens after the threshold, ends the loop with BrokenCircuitError, then refuses without calling", () => {
    const breaker = new CircuitBreaker({
      threshold: 2,
      halfOpenAfter: 1_000,
      clock: new ManualClock(),
    });
    const { fn, calls } = counted(() => new Flaky("down"));
    const retried = retry({ exceptions: Flaky, tries: 10, blockingSleep: noSleep, breaker })(fn);
    let first: unknown;
    try {
      retried();
    } catch (error) {
      first = error;
    }
    expect(BrokenCircuitError.is(first)).toBe(true);
    expect((first as Error).cause).toBeInstanceOf(Flaky);
    expect(retryHistory(first)?.stopReason).toBe("circuit-open");
    expect(calls()).toBe(2);
    expect(breaker.state).toBe("open");
    expect(() => retried()).toThrow(BrokenCircuitError);
    expect(calls()).toBe(2);
  });

  it("a half-open probe that succeeds closes it; failures the policy does not retry do not trip it", () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ threshold: 1, halfOpenAfter: 1_000, clock });
    const fatal = counted(() => new Fatal("answered"));
    const guarded = Retry(Flaky, contextOf(3), { breaker });
    expect(() => guarded.retry(fatal.fn)()).toThrow(Fatal);
    expect(breaker.state).toBe("closed");
    const down = counted(() => new Flaky("down"));
    expect(() => guarded.retry(down.fn)()).toThrow(BrokenCircuitError);
    expect(breaker.state).toBe("open");
    clock.advance(1_000);
    expect(breaker.state).toBe("half-open");
    const healthy = counted(() => undefined);
    expect(guarded.retry(healthy.fn)()).toBe("ok");
    expect(breaker.state).toBe("closed");
  });
});

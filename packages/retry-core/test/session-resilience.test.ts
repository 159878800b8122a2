import {
  Backoff,
  BrokenCircuitError,
  CircuitBreaker,
  type GiveUpEvent,
  ManualClock,
  RetryBudget,
} from "@retrykit/retry-core";
import { describe, expect, it } from "vitest";

class Flaky extends Error {}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of stream) items.push(item);
  return items;
}

describe("sessions with a budget and a breaker", () => {
  it('the budget refuses a reconnect: the session ends with the last error, reason "budget"', async () => {
    const budget = new RetryBudget({ maxTokens: 4, tokenRatio: 1 });
    const events: GiveUpEvent[] = [];
    const backoff = new Backoff({
      maxTries: 10,
      retryIf: () => true,
      budget,
      onGiveUp: (event) => events.push(event),
    });
    let opened = 0;
    async function* broken(): AsyncGenerator<number> {
      opened++;
      if (opened > 0) throw new Flaky(String(opened));
      yield 0;
    }
    const error = await collect(backoff.session({}, broken)).catch((e) => e);
    expect(opened).toBe(2); // 4 → 3 (retry) → 2 (refused)
    expect(error).toMatchObject({ message: "2" });
    expect(events).toMatchObject([{ reason: "budget" }]);
  });

  it("every delivered item gives tokenRatio back", async () => {
    const budget = new RetryBudget({ maxTokens: 10, tokenRatio: 0.5 });
    budget.onFailure();
    const backoff = new Backoff({ maxTries: 3, retryIf: () => true, budget });
    async function* numbers(): AsyncGenerator<number> {
      yield 1;
      yield 2;
    }
    expect(await collect(backoff.session({}, numbers))).toEqual([1, 2]);
    // 9, then 0.5 for each item and 0.5 for the clean end (capped at 10)
    expect(budget.tokens).toBe(10);
  });

  it("an open circuit refuses to open the stream, and failures to open it trip the breaker", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ threshold: 2, halfOpenAfter: 1_000, clock });
    const backoff = new Backoff({ maxTries: 5, retryIf: () => true, breaker, clock });
    let opened = 0;
    async function* broken(): AsyncGenerator<number> {
      opened++;
      if (opened > 0) throw new Flaky();
      yield 0;
    }
    const error = await collect(backoff.session({}, broken)).catch((e) => e);
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(opened).toBe(2);
    const again = await collect(backoff.session({}, broken)).catch((e) => e);
    expect(again).toBeInstanceOf(BrokenCircuitError);
    expect(opened).toBe(2);
    clock.advance(1_000);
    async function* healthy(): AsyncGenerator<number> {
      yield 7;
    }
    expect(await collect(backoff.session({}, healthy))).toEqual([7]);
    expect(breaker.state).toBe("closed");
  });
});

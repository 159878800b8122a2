import { Backoff, type GiveUpEvent, ManualClock, RetryBudget } from "@retrykit/retry-core";
import { describe, expect, it } from "vitest";

class Flaky extends Error {}
class Fatal extends Error {}

describe("RetryBudget: token bucket (gRPC retry throttling)", () => {
  it("starts full with gRPC's defaults", () => {
    const budget = new RetryBudget();
    expect(budget.kind).toBe("token-bucket");
    expect(budget.tokens).toBe(10);
    expect(budget.canRetry).toBe(true);
  });

  it("each retryable failure costs one token; a retry needs more than maxTokens / 2 after the cost", () => {
    const budget = new RetryBudget({ maxTokens: 10, tokenRatio: 0.1 });
    const allowed: boolean[] = [];
    for (let i = 0; i < 7; i++) {
      budget.onFailure();
      allowed.push(budget.tryRetry());
    }
    // 9, 8, 7, 6 > 5: allowed; 5, 4, 3: refused (5 is not more than half)
    expect(allowed).toEqual([true, true, true, true, false, false, false]);
    expect(budget.tokens).toBe(3);
  });

  it("successes give tokenRatio back, exactly (no float drift), capped at maxTokens", () => {
    const budget = new RetryBudget({ maxTokens: 10, tokenRatio: 0.1 });
    for (let i = 0; i < 5; i++) budget.onFailure();
    expect(budget.tokens).toBe(5);
    expect(budget.canRetry).toBe(false);
    budget.onSuccess();
    expect(budget.tokens).toBe(5.1);
    expect(budget.canRetry).toBe(true);
    for (let i = 0; i < 9; i++) budget.onSuccess();
    expect(budget.tokens).toBe(6);
    for (let i = 0; i < 100; i++) budget.onSuccess();
    expect(budget.tokens).toBe(10);
  });

  it("never goes below 0", () => {
    const budget = new RetryBudget({ maxTokens: 2, tokenRatio: 0.5 });
    for (let i = 0; i < 5; i++) budget.onFailure();
    expect(budget.tokens).toBe(0);
    budget.onSuccess();
    expect(budget.tokens).toBe(0.5);
    budget.reset();
    expect(budget.tokens).toBe(2);
  });

  it("validates its options, naming the option and the value", () => {
    expect(() => new RetryBudget({ maxTokens: 0 })).toThrow(RangeError);
    expect(() => new RetryBudget({ maxTokens: 0 })).toThrow(/maxTokens.*got 0/);
    expect(() => new RetryBudget({ maxTokens: 1001 })).toThrow(/maxTokens/);
    expect(() => new RetryBudget({ tokenRatio: -1 })).toThrow(/tokenRatio.*-1/);
    expect(() => new RetryBudget({ tokenRatio: Number.NaN })).toThrow(RangeError);
    expect(() => new RetryBudget({ tokenRatio: 0.0001 })).toThrow(/at least 0.001/);
    expect(() => new RetryBudget({ maxTokens: "10" as never })).toThrow(TypeError);
    expect(() => new RetryBudget(null as never)).toThrow(TypeError);
    expect(() => new RetryBudget({ percent: 10, maxTokens: 5 } as never)).toThrow(
      /maxTokens cannot be combined with percent/,
    );
    expect(() => new RetryBudget({ window: 5 } as never)).toThrow(/window needs percent/);
    expect(() => new RetryBudget({ percent: -1 })).toThrow(/percent.*-1/);
    expect(() => new RetryBudget({ percent: 10, window: 0 })).toThrow(/window.*got 0/);
    expect(() => new RetryBudget({ percent: 10, minPerSecond: -1 })).toThrow(RangeError);
    expect(() => new RetryBudget({ percent: 10, clock: {} as never })).toThrow(/clock/);
  });
});

describe("RetryBudget: percentage with a floor", () => {
  it("allows percent % of the calls in the window plus minPerSecond per second", () => {
    const clock = new ManualClock();
    const budget = new RetryBudget({ percent: 10, minPerSecond: 1, window: 2_000, clock });
    expect(budget.kind).toBe("percent");
    // floor: 1/s over 2 s = 2 retries with no traffic at all
    expect(budget.tokens).toBe(2);
    for (let i = 0; i < 30; i++) budget.onCall();
    // 2 + 10 % of 30 = 5
    expect(budget.tokens).toBe(5);
    const answers = Array.from({ length: 7 }, () => budget.tryRetry());
    expect(answers).toEqual([true, true, true, true, true, false, false]);
    // failures cost nothing in this kind
    budget.onFailure();
    expect(budget.tokens).toBe(0);
  });

  it("forgets events at the window's edge (the window moves in tenths)", () => {
    const clock = new ManualClock();
    const budget = new RetryBudget({ percent: 100, minPerSecond: 0, window: 1_000, clock });
    budget.onCall(); // at t = 0, in the slot [0, 100)
    clock.advance(50);
    budget.onCall(); // t = 50, same slot
    expect(budget.tokens).toBe(2);
    expect(budget.tryRetry()).toBe(true); // retry at t = 50
    expect(budget.tokens).toBe(1);
    clock.advance(949); // t = 999: still inside the window
    expect(budget.tokens).toBe(1);
    clock.advance(1); // t = 1000: slot [0, 100) leaves the window, calls and retry alike
    expect(budget.tokens).toBe(0);
    budget.onCall(); // t = 1000
    clock.advance(999); // t = 1999
    expect(budget.tokens).toBe(1);
    clock.advance(1); // t = 2000
    expect(budget.tokens).toBe(0);
  });

  it("a long quiet spell empties the whole window", () => {
    const clock = new ManualClock(5_000);
    const budget = new RetryBudget({ percent: 50, minPerSecond: 0, window: 100, clock });
    for (let i = 0; i < 10; i++) budget.onCall();
    expect(budget.tokens).toBe(5);
    clock.advance(1_000_000);
    expect(budget.tokens).toBe(0);
    expect(budget.tryRetry()).toBe(false);
  });
});

describe("RetryBudget in the engine", () => {
  it('a refused retry ends the call with the last error and the stop reason "budget"', async () => {
    const budget = new RetryBudget({ maxTokens: 4, tokenRatio: 1 });
    const events: GiveUpEvent[] = [];
    const backoff = new Backoff({
      maxTries: 10,
      exceptions: [Flaky],
      budget,
      onGiveUp: (event) => events.push(event),
    });
    let calls = 0;
    const last = new Flaky("last");
    const error = await backoff
      .execute(async () => {
        calls++;
        throw calls === 2 ? last : new Flaky(String(calls));
      })
      .catch((e) => e);
    // 4 → 3 (> 2: retry) → 2 (refused)
    expect(calls).toBe(2);
    expect(error).toBe(last);
    expect(events).toMatchObject([{ attempt: 2, error: last, reason: "budget" }]);
    expect(backoff.statistics).toMatchObject({ attempts: 2, retries: 1, giveups: 1, errors: 2 });
    expect(budget.tokens).toBe(2);
  });

  it("never refuses a first attempt, and successes refill the bucket", async () => {
    const budget = new RetryBudget({ maxTokens: 2, tokenRatio: 0.5 });
    const backoff = new Backoff({ maxTries: 3, retryIf: () => true, budget });
    await expect(backoff.execute(() => Promise.reject(new Flaky()))).rejects.toThrow(Flaky);
    expect(budget.tokens).toBe(1);
    // the first attempt still runs with a spent budget; its success gives 0.5 back
    await expect(backoff.execute(async () => "ok")).resolves.toBe("ok");
    await expect(backoff.execute(() => "sync")).resolves.toBe("sync");
    expect(budget.tokens).toBe(2);
  });

  it("failures the policy does not retry cost nothing", async () => {
    const budget = new RetryBudget();
    const backoff = new Backoff({ maxTries: 3, exceptions: [Flaky], budget });
    for (let i = 0; i < 20; i++) {
      await expect(backoff.execute(() => Promise.reject(new Fatal()))).rejects.toThrow(Fatal);
    }
    expect(budget.tokens).toBe(10);
    const giveup = new Backoff({ maxTries: 3, retryIf: () => true, giveup: () => true, budget });
    await expect(giveup.execute(() => Promise.reject(new Flaky()))).rejects.toThrow(Flaky);
    expect(budget.tokens).toBe(10);
  });

  it("the last failure of a call that ran out of tries still costs its token (as in gRPC)", async () => {
    const budget = new RetryBudget({ maxTokens: 10, tokenRatio: 0.1 });
    const backoff = new Backoff({ maxTries: 2, retryIf: () => true, budget });
    await expect(backoff.execute(() => Promise.reject(new Flaky()))).rejects.toThrow(Flaky);
    expect(budget.tokens).toBe(8);
  });

  it("is shared: one policy's failures spend another policy's retries", async () => {
    const budget = new RetryBudget({ maxTokens: 4, tokenRatio: 0.1 });
    const a = new Backoff({ maxTries: 2, retryIf: () => true, budget });
    const b = new Backoff({
      maxTries: 5,
      retryIf: () => true,
      budget,
      signal: new AbortController().signal,
    });
    await expect(a.execute(() => Promise.reject(new Flaky()))).rejects.toThrow(Flaky);
    expect(budget.tokens).toBe(2);
    let calls = 0;
    await expect(
      b.execute(() => {
        calls++;
        return Promise.reject(new Flaky());
      }),
    ).rejects.toThrow(Flaky);
    expect(calls).toBe(1);
  });

  it("the percentage budget counts calls and retries on the engine's clock", async () => {
    const clock = new ManualClock();
    const budget = new RetryBudget({ percent: 50, minPerSecond: 0, window: 1_000, clock });
    const backoff = new Backoff({ maxTries: 3, retryIf: () => true, budget, clock });
    let calls = 0;
    const failing = () => {
      calls++;
      return Promise.reject(new Flaky());
    };
    // One call: 50 % of 1 = 0.5 retry: refused
    await expect(backoff.execute(failing)).rejects.toThrow(Flaky);
    expect(calls).toBe(1);
    // A second call: 50 % of 2 = 1 retry allowed
    await expect(backoff.execute(failing)).rejects.toThrow(Flaky);
    expect(calls).toBe(3);
  });

  it("rejects a budget that is not a RetryBudget", () => {
    expect(() => new Backoff({ budget: { tokens: 1 } as never })).toThrow(
      /budget must be a RetryBudget/,
    );
  });
});

describe("retry storm: 1,000 concurrent callers against a server that fails every call", () => {
  async function storm(budget: RetryBudget | undefined): Promise<number> {
    let served = 0;
    const server = async () => {
      served++;
      throw new Flaky("unavailable");
    };
    const backoff = new Backoff({ maxTries: 3, retryIf: () => true, budget });
    const calls = Array.from({ length: 1_000 }, () => backoff.execute(server).catch(() => {}));
    await Promise.all(calls);
    return served;
  }

  it("without a budget every call makes 3 attempts; with gRPC's defaults barely more than 1", async () => {
    const without = await storm(undefined);
    const budget = new RetryBudget({ maxTokens: 10, tokenRatio: 0.1 });
    const withBudget = await storm(budget);
    console.log(
      `retry storm, 1000 calls, maxTries 3: ${without} attempts without a budget (+${without - 1000}), ` +
        `${withBudget} with RetryBudget { maxTokens: 10, tokenRatio: 0.1 } (+${withBudget - 1000})`,
    );
    expect(without).toBe(3_000);
    // 10 → 9, 8, 7, 6 allow a retry each; the budget is then spent
    expect(withBudget).toBe(1_004);
    // Once spent, a second storm makes no retry at all
    expect(await storm(budget)).toBe(1_000);
    expect(withBudget - 1000).toBeLessThanOrEqual(100);
  });
});

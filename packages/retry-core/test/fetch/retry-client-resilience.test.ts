import { BrokenCircuitError, CircuitBreaker, ManualClock, RetryBudget } from "@retrykit/retry-core";
import { ExponentialRetry, RetryClient } from "@retrykit/retry-core/fetch";
import { describe, expect, it } from "vitest";

/** A response whose body records being cancelled. */
function tracked(status: number, log: string[], name: string): Response {
  const body = new ReadableStream({
    cancel() {
      log.push(`${name} cancelled`);
    },
  });
  return new Response(body, { status });
}

describe("RetryClient with a budget, a breaker and hedging", () => {
  it("a shared budget stops the retries; the last response is returned", async () => {
    const log: string[] = [];
    let calls = 0;
    const client = new RetryClient({
      retryOptions: new ExponentialRetry({ attempts: 5, startTimeout: 0 }),
      budget: new RetryBudget({ maxTokens: 4, tokenRatio: 1 }),
      fetch: async () => tracked(503, log, `#${++calls}`),
    });
    const response = await client.get("http://service.test/a");
    // 4 → 3: retry; 3 → 2: refused
    expect(calls).toBe(2);
    expect(response.status).toBe(503);
    expect(log).toEqual(["#1 cancelled"]);
    await client.close();
  });

  it("an open breaker refuses requests without calling fetch", async () => {
    let calls = 0;
    const breaker = new CircuitBreaker({ threshold: 2, halfOpenAfter: 60_000 });
    const client = new RetryClient({
      retryOptions: new ExponentialRetry({ attempts: 1 }),
      breaker,
      fetch: async () => {
        calls++;
        throw new TypeError("connection refused");
      },
    });
    await expect(client.get("http://service.test/a")).rejects.toThrow(TypeError);
    await expect(client.get("http://service.test/a")).rejects.toThrow(TypeError);
    await expect(client.get("http://service.test/a")).rejects.toBeInstanceOf(BrokenCircuitError);
    expect(calls).toBe(2);
    await client.close();
  });

  it("hedges a GET: the faster response wins, the loser is aborted and its body cancelled", async () => {
    const clock = new ManualClock();
    const log: string[] = [];
    const signals: AbortSignal[] = [];
    const releases: Array<() => void> = [];
    const client = new RetryClient({
      clock,
      hedge: { delay: 100, maxAttempts: 2 },
      fetch: (_input, init) => {
        const n = signals.length + 1;
        signals.push(init?.signal as AbortSignal);
        log.push(`#${n} sent at ${clock.now()}`);
        // Each answers when released, whatever its signal says (a slow server).
        return new Promise((resolve) => releases.push(() => resolve(tracked(200, log, `#${n}`))));
      },
    });
    const request = client.get("http://service.test/slow");
    await clock.advanceAsync(100);
    releases[1]?.();
    const response = await request;
    expect(response.status).toBe(200);
    expect(signals[0]?.aborted).toBe(true);
    releases[0]?.();
    await clock.advanceAsync(0);
    expect(log).toEqual(["#1 sent at 0", "#2 sent at 100", "#1 cancelled"]);
    expect(clock.pendingTimers).toBe(0);
    await response.body?.cancel();
    await client.close();
  });

  it("never hedges a POST", async () => {
    const clock = new ManualClock();
    let calls = 0;
    let release!: () => void;
    const client = new RetryClient({
      clock,
      hedge: { delay: 10, maxAttempts: 3 },
      fetch: () => {
        calls++;
        return new Promise((resolve) => {
          release = () => resolve(new Response("done"));
        });
      },
    });
    const request = client.post("http://service.test/orders", { body: "{}" });
    await clock.advanceAsync(100);
    expect(calls).toBe(1);
    release();
    expect(await (await request).text()).toBe("done");
    await client.close();
  });
});

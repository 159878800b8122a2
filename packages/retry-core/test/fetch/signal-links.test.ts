import { getEventListeners } from "node:events";
import { ExponentialRetry, RetryClient } from "@retrykit/retry-core/fetch";
import { afterEach, describe, expect, it } from "vitest";

/** A fetch that answers 503 to the first try of each URL, then 200, and keeps every signal it got. */
function scriptedFetch(options: { hold?: Promise<void> } = {}) {
  const signals: AbortSignal[] = [];
  const tries = new Map<string, number>();
  const fetchFn = (async (url: string | URL | Request, init?: RequestInit) => {
    const key = String(url);
    const n = (tries.get(key) ?? 0) + 1;
    tries.set(key, n);
    const signal = init?.signal as AbortSignal;
    signals.push(signal);
    if (options.hold !== undefined) {
      await Promise.race([
        options.hold,
        new Promise((_, reject) =>
          signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
        ),
      ]);
    }
    return new Response(n === 1 ? "busy" : "ok", { status: n === 1 ? 503 : 200 });
  }) as typeof fetch;
  return { fetchFn, signals };
}

const clients: RetryClient[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
});

function makeClient(fetchFn: typeof fetch): RetryClient {
  const client = new RetryClient({
    baseUrl: "http://retry.invalid",
    fetch: fetchFn,
    retryOptions: new ExponentialRetry({ attempts: 3, startTimeout: 1, maxTimeout: 1 }),
  });
  clients.push(client);
  return client;
}

/** Every warning the process emits while `body` runs (and the turn after it). */
async function warningsDuring(body: () => Promise<void>): Promise<Error[]> {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on("warning", onWarning);
  try {
    await body();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", onWarning);
  }
  return warnings;
}

describe("RetryClient and a long-lived caller signal", () => {
  it("leaves no listener on the caller's signal once calls end, and nothing linked to it", async () => {
    const { fetchFn, signals } = scriptedFetch();
    const client = makeClient(fetchFn);
    const caller = new AbortController();
    for (let i = 0; i < 20; i++) {
      const response = await client.get(`/item-${i}`, { signal: caller.signal });
      expect(response.status).toBe(200);
      await response.text();
    }
    expect(signals).toHaveLength(40); // a 503 and a retry each
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
    // Aborting the caller's signal now reaches none of the ended attempts' signals: nothing of
    // them stayed attached to it (AbortSignal.any would have kept them all as dependants).
    caller.abort(new Error("late"));
    expect(signals.filter((signal) => signal.aborted)).toHaveLength(0);
  });

  it("50 concurrent requests sharing one signal print no MaxListenersExceededWarning", async () => {
    let release = () => {};
    const hold = new Promise<void>((resolve) => (release = resolve));
    const { fetchFn, signals } = scriptedFetch({ hold });
    const client = makeClient(fetchFn);
    const caller = new AbortController();
    const warnings = await warningsDuring(async () => {
      const pending = Array.from({ length: 50 }, (_, i) =>
        client.get(`/concurrent-${i}`, { signal: caller.signal }),
      );
      while (signals.length < 50) await new Promise((resolve) => setImmediate(resolve));
      // However many requests share it, the caller's signal carries one listener.
      expect(getEventListeners(caller.signal, "abort").length).toBeLessThanOrEqual(1);
      release();
      const responses = await Promise.all(pending);
      expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
    });
    expect(warnings.map((w) => `${w.name}: ${w.message}`)).toEqual([]);
    expect(getEventListeners(caller.signal, "abort")).toHaveLength(0);
  });

  it("an abort of the shared signal still ends every request in flight at once", async () => {
    const { fetchFn, signals } = scriptedFetch({ hold: new Promise(() => {}) });
    const client = makeClient(fetchFn);
    const caller = new AbortController();
    const pending = Array.from({ length: 12 }, (_, i) =>
      client.get(`/aborted-${i}`, { signal: caller.signal }),
    );
    while (signals.length < 12) await new Promise((resolve) => setImmediate(resolve));
    const reason = new Error("stop");
    caller.abort(reason);
    const outcomes = await Promise.allSettled(pending);
    expect(outcomes.every((o) => o.status === "rejected" && o.reason === reason)).toBe(true);
    expect(signals.every((signal) => signal.aborted)).toBe(true);
  });

  it("close() still ends every request in flight", async () => {
    const { fetchFn, signals } = scriptedFetch({ hold: new Promise(() => {}) });
    const client = makeClient(fetchFn);
    const pending = Array.from({ length: 12 }, (_, i) => client.get(`/closed-${i}`));
    while (signals.length < 12) await new Promise((resolve) => setImmediate(resolve));
    await client.close();
    const outcomes = await Promise.allSettled(pending);
    expect(outcomes.every((o) => o.status === "rejected")).toBe(true);
  });
});

import { getEventListeners } from "node:events";
import { Backoff, ManualClock } from "@retrykit/retry-core";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

const CALLS = 50;

/** A function whose calls stay pending until the test resolves them. */
function pending() {
  const resolvers: Array<(value: string) => void> = [];
  const fn = (): Promise<string> => new Promise((resolve) => resolvers.push(resolve));
  return { fn, resolvers };
}

/** Lets process.emitWarning (deferred to the next tick) report. */
function ticks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe("many concurrent calls on one signal", () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error): void => {
    warnings.push(warning);
  };
  beforeEach(() => {
    warnings.length = 0;
    process.on("warning", onWarning);
  });
  afterEach(() => {
    process.off("warning", onWarning);
  });

  const policies = {
    "a plain policy": () => new Backoff({ maxTries: 3, retryIf: () => true }),
    "an attempt timeout": () =>
      new Backoff({ maxTries: 3, attemptTimeout: 1_000, clock: new ManualClock() }),
    hedging: () =>
      new Backoff({
        maxTries: 3,
        hedge: { delay: 1_000, maxAttempts: 2 },
        clock: new ManualClock(),
      }),
  };

  for (const [name, create] of Object.entries(policies)) {
    it(`${name}: ${CALLS} calls share one abort listener, gone once they settle`, async () => {
      const backoff = create();
      const controller = new AbortController();
      const { fn, resolvers } = pending();
      const calls = Array.from({ length: CALLS }, () =>
        backoff.executeWith({ signal: controller.signal }, fn),
      );
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
      for (const resolve of resolvers) resolve("ok");
      await expect(Promise.all(calls)).resolves.toHaveLength(CALLS);
      await ticks();
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    });

    it(`${name}: an abort of the shared signal still cancels all ${CALLS} calls`, async () => {
      const backoff = create();
      const controller = new AbortController();
      const { fn } = pending();
      const calls = Array.from({ length: CALLS }, () =>
        backoff.executeWith({ signal: controller.signal }, fn),
      );
      const reason = new Error("stop");
      controller.abort(reason);
      const outcomes = await Promise.allSettled(calls);
      expect(outcomes.every((o) => o.status === "rejected" && o.reason === reason)).toBe(true);
      await ticks();
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    });
  }

  it("the Backoff's own signal: execute shares one listener too", async () => {
    const controller = new AbortController();
    const backoff = new Backoff({ maxTries: 3, signal: controller.signal });
    const { fn, resolvers } = pending();
    const calls = Array.from({ length: CALLS }, () => backoff.execute(fn));
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(1);
    for (const resolve of resolvers) resolve("ok");
    await Promise.all(calls);
    await ticks();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
  });
});

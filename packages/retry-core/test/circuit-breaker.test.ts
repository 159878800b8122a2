import {
  Backoff,
  BrokenCircuitError,
  CircuitBreaker,
  type CircuitStateChange,
  constant,
  exponential,
  type GiveUpEvent,
  ManualClock,
  TimeoutError,
} from "@retrykit/retry-core";
import { describe, expect, it } from "vitest";

class Flaky extends Error {}
class Fatal extends Error {}

const fail = (error: unknown) => () => Promise.reject(error);
const ok = () => Promise.resolve("ok");

describe("CircuitBreaker on its own", () => {
  it("opens after threshold consecutive failures; a success in between resets the count", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ threshold: 3, halfOpenAfter: 1_000, clock });
    for (const outcome of [false, false, true, false, false]) {
      await breaker.execute(outcome ? ok : fail(new Flaky())).catch(() => {});
    }
    expect(breaker.state).toBe("closed");
    const third = new Flaky("third");
    await expect(breaker.execute(fail(third))).rejects.toBe(third);
    expect(breaker.state).toBe("open");
    expect(breaker.lastFailure).toBe(third);
    let called = false;
    const refused = await breaker
      .execute(async () => {
        called = true;
      })
      .catch((e) => e);
    expect(called).toBe(false);
    expect(refused).toBeInstanceOf(BrokenCircuitError);
    expect(BrokenCircuitError.is(refused)).toBe(true);
    expect(refused.cause).toBe(third);
    expect(refused.retryAfter).toBe(1_000);
  });

  it("half-opens after halfOpenAfter and lets one probe through; success closes it", async () => {
    const clock = new ManualClock();
    const changes: CircuitStateChange[] = [];
    const breaker = new CircuitBreaker({
      threshold: 1,
      halfOpenAfter: 500,
      clock,
      onStateChange: (change) => changes.push(change),
    });
    const boom = new Flaky();
    await breaker.execute(fail(boom)).catch(() => {});
    clock.advance(499);
    expect(breaker.state).toBe("open");
    await expect(breaker.execute(ok)).rejects.toMatchObject({ retryAfter: 1 });
    clock.advance(1);
    expect(breaker.state).toBe("half-open");
    let release!: (value: string) => void;
    const probe = breaker.execute(() => new Promise<string>((r) => (release = r)));
    // the one probe is running: others are refused, with no wait announced
    await expect(breaker.execute(ok)).rejects.toMatchObject({
      name: "BrokenCircuitError",
      retryAfter: 0,
    });
    release("probe");
    await expect(probe).resolves.toBe("probe");
    expect(breaker.state).toBe("closed");
    expect(changes).toEqual([
      { state: "open", previous: "closed", error: boom },
      { state: "half-open", previous: "open" },
      { state: "closed", previous: "half-open" },
    ]);
  });

  it("a failed probe opens it again for another halfOpenAfter", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ threshold: 1, halfOpenAfter: 100, clock });
    await breaker.execute(fail(new Flaky())).catch(() => {});
    clock.advance(100);
    const second = new Flaky("probe failed");
    await expect(breaker.execute(fail(second))).rejects.toBe(second);
    expect(breaker.state).toBe("open");
    await expect(breaker.execute(ok)).rejects.toMatchObject({ cause: second, retryAfter: 100 });
    clock.advance(100);
    expect(breaker.state).toBe("half-open");
  });

  it("halfOpenProbes lets several probes through at once", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      threshold: 1,
      halfOpenAfter: 10,
      halfOpenProbes: 2,
      clock,
    });
    await breaker.execute(fail(new Flaky())).catch(() => {});
    clock.advance(10);
    const pending = () => new Promise<string>(() => {});
    breaker.execute(pending);
    breaker.execute(pending);
    await expect(breaker.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
  });

  it("a delay strategy as halfOpenAfter grows with each opening in a row and starts over once closed", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      threshold: 1,
      halfOpenAfter: exponential({ initial: 100, factor: 2, max: 1_000 }),
      clock,
    });
    const openFor = async (): Promise<number> =>
      ((await breaker.execute(ok).catch((e) => e)) as BrokenCircuitError).retryAfter;
    await breaker.execute(fail(new Flaky())).catch(() => {});
    expect(await openFor()).toBe(100);
    clock.advance(100);
    await breaker.execute(fail(new Flaky())).catch(() => {}); // failed probe
    expect(await openFor()).toBe(200);
    clock.advance(200);
    await breaker.execute(fail(new Flaky())).catch(() => {});
    expect(await openFor()).toBe(400);
    clock.advance(400);
    await breaker.execute(ok); // closes
    await breaker.execute(fail(new Flaky())).catch(() => {});
    expect(await openFor()).toBe(100);
  });

  it("ratio threshold: opens when failures reach the ratio over the window, once minimumCalls are in", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      threshold: { ratio: 0.5, minimumCalls: 4, window: 1_000 },
      clock,
    });
    await breaker.execute(fail(new Flaky())).catch(() => {});
    await breaker.execute(fail(new Flaky())).catch(() => {});
    await breaker.execute(fail(new Flaky())).catch(() => {});
    expect(breaker.state).toBe("closed"); // 3 calls < minimumCalls
    await breaker.execute(ok);
    expect(breaker.state).toBe("closed"); // a success cannot open it
    await breaker.execute(fail(new Flaky())).catch(() => {});
    expect(breaker.state).toBe("open"); // 4 failures of 5 calls
  });

  it("ratio threshold: failures older than the window no longer count", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({
      threshold: { ratio: 0.5, minimumCalls: 2, window: 1_000 },
      clock,
    });
    await breaker.execute(fail(new Flaky())).catch(() => {}); // t = 0
    clock.advance(999);
    await breaker.execute(ok); // t = 999: only a failure can open it
    clock.advance(1); // t = 1000: the failure at t = 0 leaves the window
    await breaker.execute(fail(new Flaky())).catch(() => {}); // 1 failure of 2 calls (999 and 1000)
    expect(breaker.state).toBe("open");
    breaker.reset();
    expect(breaker.state).toBe("closed");
    await breaker.execute(fail(new Flaky())).catch(() => {}); // t = 1000
    clock.advance(1_000);
    await breaker.execute(ok);
    await breaker.execute(ok);
    await breaker.execute(fail(new Flaky())).catch(() => {}); // 1 of 3
    expect(breaker.state).toBe("closed");
  });

  it("isolate() opens it by hand; no timer is ever scheduled", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ halfOpenAfter: 50, clock });
    breaker.isolate(new Error("maintenance"));
    expect(breaker.state).toBe("open");
    expect(clock.pendingTimers).toBe(0);
    clock.advance(50);
    expect(breaker.state).toBe("half-open");
  });

  it("validates its options, naming the option and the value", () => {
    expect(() => new CircuitBreaker({ threshold: 0 })).toThrow(RangeError);
    expect(() => new CircuitBreaker({ threshold: 1.5 })).toThrow(/threshold.*1.5/);
    expect(() => new CircuitBreaker({ threshold: "5" as never })).toThrow(TypeError);
    expect(
      () => new CircuitBreaker({ threshold: { ratio: 0, minimumCalls: 1, window: 10 } }),
    ).toThrow(/threshold.ratio.*got 0/);
    expect(
      () => new CircuitBreaker({ threshold: { ratio: 0.5, minimumCalls: 0, window: 10 } }),
    ).toThrow(/threshold.minimumCalls/);
    expect(
      () => new CircuitBreaker({ threshold: { ratio: 0.5, minimumCalls: 1, window: 0 } }),
    ).toThrow(/threshold.window.*got 0/);
    expect(() => new CircuitBreaker({ halfOpenAfter: -1 })).toThrow(/halfOpenAfter.*-1/);
    expect(() => new CircuitBreaker({ halfOpenAfter: {} as never })).toThrow(TypeError);
    expect(() => new CircuitBreaker({ halfOpenProbes: 0 })).toThrow(/halfOpenProbes/);
    expect(() => new CircuitBreaker({ onStateChange: 1 as never })).toThrow(/onStateChange/);
    expect(() => new CircuitBreaker({ clock: {} as never })).toThrow(/clock/);
    expect(() => new Backoff({ breaker: {} as never })).toThrow(/breaker must be a CircuitBreaker/);
  });
});

describe("CircuitBreaker in the engine", () => {
  it('an open circuit stops the retries at once: BrokenCircuitError, stop reason "circuit-open"', async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ threshold: 2, halfOpenAfter: 1_000, clock });
    const events: GiveUpEvent[] = [];
    const backoff = new Backoff({
      maxTries: 10,
      pause: 100,
      exceptions: [Flaky],
      breaker,
      clock,
      onGiveUp: (event) => events.push(event),
    });
    let calls = 0;
    const second = new Flaky("second");
    const call = backoff.execute(() => {
      calls++;
      return Promise.reject(calls === 2 ? second : new Flaky());
    });
    const outcome = call.catch((e) => e);
    await clock.advanceAsync(100);
    const error = await outcome;
    expect(calls).toBe(2);
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(error.cause).toBe(second);
    expect(events).toMatchObject([{ attempt: 2, reason: "circuit-open" }]);
    expect(clock.pendingTimers).toBe(0);
    // While open, a call fails fast without calling the function
    const next = await backoff.execute(() => calls++).catch((e) => e);
    expect(next).toBeInstanceOf(BrokenCircuitError);
    expect(calls).toBe(2);
    expect(events.at(-1)).toMatchObject({ attempt: 0, reason: "circuit-open" });
    expect(backoff.statistics).toMatchObject({ attempts: 2, giveups: 2 });
  });

  it("is asked before every attempt: another call opening it during a pause stops this one", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ threshold: 3, halfOpenAfter: 1_000, clock });
    const backoff = new Backoff({ maxTries: 5, pause: 100, retryIf: () => true, breaker, clock });
    let calls = 0;
    const outcome = backoff
      .execute(() => {
        calls++;
        return Promise.reject(new Flaky());
      })
      .catch((e) => e);
    await clock.advanceAsync(10);
    breaker.isolate();
    await clock.advanceAsync(100);
    expect(await outcome).toBeInstanceOf(BrokenCircuitError);
    expect(calls).toBe(1);
  });

  it("only failures the policy's classifier retries trip it; others count as answers", async () => {
    const breaker = new CircuitBreaker({ threshold: 2 });
    const backoff = new Backoff({ maxTries: 1, exceptions: [Flaky], breaker });
    for (let i = 0; i < 10; i++) {
      await expect(backoff.execute(fail(new Fatal()))).rejects.toBeInstanceOf(Fatal);
    }
    expect(breaker.state).toBe("closed");
    await expect(backoff.execute(fail(new Flaky()))).rejects.toBeInstanceOf(Flaky);
    await expect(backoff.execute(fail(new Fatal()))).rejects.toBeInstanceOf(Fatal); // resets
    await expect(backoff.execute(fail(new Flaky()))).rejects.toBeInstanceOf(Flaky);
    expect(breaker.state).toBe("closed");
    await expect(backoff.execute(fail(new Flaky()))).rejects.toBeInstanceOf(Flaky);
    expect(breaker.state).toBe("open");
  });

  it("attempt timeouts count as failures", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ threshold: 2, clock });
    const backoff = new Backoff({ maxTries: 5, attemptTimeout: 50, breaker, clock });
    const outcome = backoff.execute(() => new Promise(() => {})).catch((e) => e);
    await clock.advanceAsync(100);
    const error = (await outcome) as BrokenCircuitError;
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(TimeoutError.is(error.cause)).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it("the half-open probe is one attempt of a call; its success closes the circuit", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ threshold: 1, halfOpenAfter: 200, clock });
    const backoff = new Backoff({ maxTries: 3, retryIf: () => true, breaker, clock });
    await expect(backoff.execute(fail(new Flaky()))).rejects.toBeInstanceOf(BrokenCircuitError);
    clock.advance(200);
    let release!: () => void;
    const probe = backoff.execute(() => new Promise<string>((r) => (release = () => r("up"))));
    expect(breaker.state).toBe("half-open");
    await expect(backoff.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
    release();
    await expect(probe).resolves.toBe("up");
    expect(breaker.state).toBe("closed");
    await expect(backoff.execute(ok)).resolves.toBe("ok");
  });

  it("an aborted probe frees its slot without closing or opening the circuit", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ threshold: 1, halfOpenAfter: 10, clock });
    const backoff = new Backoff({ maxTries: 3, retryIf: () => true, breaker, clock });
    await backoff.execute(fail(new Flaky())).catch(() => {});
    clock.advance(10);
    const controller = new AbortController();
    const probe = backoff.executeWith({ signal: controller.signal }, () => new Promise(() => {}));
    controller.abort(new Error("caller gave up"));
    await expect(probe).rejects.toThrow("caller gave up");
    expect(breaker.state).toBe("half-open");
    await expect(backoff.execute(ok)).resolves.toBe("ok");
    expect(breaker.state).toBe("closed");
  });

  it("a failed probe with retries left stops the call at once (the circuit opened again)", async () => {
    const clock = new ManualClock();
    const breaker = new CircuitBreaker({ threshold: 1, halfOpenAfter: 10, clock });
    const backoff = new Backoff({ maxTries: 5, retryIf: () => true, breaker, clock });
    await backoff.execute(fail(new Flaky())).catch(() => {});
    clock.advance(10);
    let calls = 0;
    const error = await backoff
      .execute(() => {
        calls++;
        return Promise.reject(new Flaky());
      })
      .catch((e) => e);
    expect(calls).toBe(1);
    expect(error).toBeInstanceOf(BrokenCircuitError);
    expect(breaker.state).toBe("open");
  });

  it("is shared across policies, and the success path keeps it closed", async () => {
    const breaker = new CircuitBreaker({ threshold: 2, halfOpenAfter: constant(1_000) });
    const a = new Backoff({ maxTries: 1, retryIf: () => true, breaker });
    const b = new Backoff({ maxTries: 1, retryIf: () => true, breaker });
    await a.execute(fail(new Flaky())).catch(() => {});
    await b.execute(ok);
    await a.execute(fail(new Flaky())).catch(() => {});
    expect(breaker.state).toBe("closed");
    await b.execute(fail(new Flaky())).catch(() => {});
    expect(breaker.state).toBe("open");
    await expect(a.execute(ok)).rejects.toBeInstanceOf(BrokenCircuitError);
  });
});

import { describe, expect, it } from "vitest";
import { Context, type RetryLogger } from "../src/kaioretry/index.js";
import { ManualClock } from "../src/testing/manual-clock.js";

/** A logger that keeps its lines, and a blocking sleeper that records instead of blocking. */
function recorder() {
  const lines: string[] = [];
  const sleeps: number[] = [];
  const logger: RetryLogger = {
    info: (message) => lines.push(`info ${message}`),
    warn: (message) => lines.push(`warn ${message}`),
  };
  return { lines, sleeps, logger, blockingSleep: (ms: number) => void sleeps.push(ms) };
}

const UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

describe("Context, iterated synchronously", () => {
  it("yields `tries` try numbers", () => {
    expect([...new Context({ tries: 4 })]).toEqual([1, 2, 3, 4]);
    expect([...new Context({ tries: 1 })]).toEqual([1]);
  });

  it("sleeps between tries (not after the last), with updateDelay clamped to [minDelay, maxDelay]", () => {
    const { sleeps, blockingSleep } = recorder();
    const context = new Context({
      tries: 6,
      delay: 50,
      updateDelay: (d) => d * 3,
      minDelay: 100,
      maxDelay: 1_000,
      blockingSleep,
    });
    expect([...context]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(sleeps).toEqual([100, 300, 900, 1000, 1000]);
  });

  it("blocks only for a non-zero pause", () => {
    const { sleeps, blockingSleep } = recorder();
    const context = new Context({ tries: 5, delay: 0, updateDelay: (d) => d + 10, blockingSleep });
    expect([...context]).toHaveLength(5);
    expect(sleeps).toEqual([10, 20, 30]);
  });

  it("is reusable: each loop starts afresh", () => {
    const { sleeps, blockingSleep } = recorder();
    const context = new Context({ tries: 3, delay: 1, updateDelay: (d) => d * 2, blockingSleep });
    expect([...context]).toEqual([1, 2, 3]);
    expect([...context]).toEqual([1, 2, 3]);
    expect(sleeps).toEqual([1, 2, 1, 2]);
  });

  it("tries: -1 never ends on its own", () => {
    const { sleeps, blockingSleep } = recorder();
    const context = new Context({ tries: -1, delay: 1, blockingSleep });
    let last = 0;
    for (const attempt of context) {
      last = attempt;
      if (attempt === 25_000) break;
    }
    expect(last).toBe(25_000);
    expect(sleeps).toHaveLength(24_999);
  });

  it("logs each loop with its own identifier", () => {
    const { lines, logger } = recorder();
    const context = new Context({ tries: 3, logger });
    for (const _ of context);
    for (const _ of context);
    expect(lines).toHaveLength(8);
    const pattern = new RegExp(
      `^info (${UUID}): (2 tries remaining|sleeping 0 ms|1 tries remaining)$`,
    );
    const ids = lines.map((line) => pattern.exec(line)?.[1]);
    expect(ids.every((id) => id !== undefined)).toBe(true);
    expect(new Set(ids.slice(0, 4)).size).toBe(1);
    expect(new Set(ids.slice(4)).size).toBe(1);
    expect(ids[0]).not.toBe(ids[4]);
    expect(lines.map((line) => line.replace(new RegExp(UUID), "ID"))).toEqual([
      "info ID: 2 tries remaining",
      "info ID: sleeping 0 ms",
      "info ID: 1 tries remaining",
      "info ID: sleeping 0 ms",
      "info ID: 2 tries remaining",
      "info ID: sleeping 0 ms",
      "info ID: 1 tries remaining",
      "info ID: sleeping 0 ms",
    ]);
  });

  it("logs the next try number when tries are unlimited", () => {
    const { lines, logger } = recorder();
    for (const attempt of new Context({ tries: -1, delay: 5, logger, blockingSleep: () => {} })) {
      if (attempt === 3) break;
    }
    expect(lines.map((line) => line.replace(new RegExp(UUID), "ID"))).toEqual([
      "info ID: try #2 next, tries unlimited",
      "info ID: sleeping 5 ms",
      "info ID: try #3 next, tries unlimited",
      "info ID: sleeping 5 ms",
    ]);
  });

  it("is silent by default", () => {
    const context = new Context({ tries: 2 });
    expect(context.logger.info("x")).toBeUndefined();
    expect([...context]).toEqual([1, 2]);
  });

  it("caps a runaway updateDelay and survives a NaN from it", () => {
    const { sleeps, blockingSleep } = recorder();
    const doubling = new Context({
      tries: 1_100,
      delay: 1,
      updateDelay: (d) => d * 2,
      blockingSleep,
    });
    for (const _ of doubling);
    expect(sleeps.at(-1)).toBe(2_147_483_647);
    expect(sleeps.every((ms) => Number.isInteger(ms) && ms <= 2_147_483_647)).toBe(true);
    const broken = recorder();
    const nan = new Context({
      tries: 4,
      delay: 7,
      updateDelay: () => Number.NaN,
      blockingSleep: broken.blockingSleep,
    });
    for (const _ of nan);
    expect(broken.sleeps).toEqual([7, 7, 7]);
  });

  it("really blocks with the default sleeper", () => {
    const context = new Context({ tries: 2, delay: 30 });
    const started = performance.now();
    for (const _ of context);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });
});

describe("Context, iterated asynchronously", () => {
  it("waits through the clock, without blocking", async () => {
    const clock = new ManualClock();
    const { sleeps, blockingSleep } = recorder();
    const context = new Context({
      tries: 4,
      delay: 100,
      updateDelay: (d) => d * 2,
      clock,
      blockingSleep,
    });
    const seen: Array<[number, number]> = [];
    const loop = (async () => {
      for await (const attempt of context) seen.push([attempt, clock.now()]);
    })();
    await clock.advanceAsync(700);
    await loop;
    expect(seen).toEqual([
      [1, 0],
      [2, 100],
      [3, 300],
      [4, 700],
    ]);
    expect(sleeps).toEqual([]);
    expect(clock.pendingTimers).toBe(0);
  });

  it("sets no timer for a zero pause", async () => {
    const clock = new ManualClock();
    const seen: number[] = [];
    for await (const attempt of new Context({ tries: 3, clock })) seen.push(attempt);
    expect(seen).toEqual([1, 2, 3]);
  });
});

describe("Context options", () => {
  const cases: Array<[string, () => unknown, ErrorConstructor, RegExp]> = [
    ["tries 0", () => new Context({ tries: 0 }), RangeError, /"tries" .*never run.*got 0/],
    ["tries -2", () => new Context({ tries: -2 }), RangeError, /"tries" must be -1 .* got -2/],
    ["tries 1.5", () => new Context({ tries: 1.5 }), RangeError, /got 1.5/],
    ["tries string", () => new Context({ tries: "3" as never }), TypeError, /"tries" .* got "3"/],
    ["delay negative", () => new Context({ delay: -1 }), RangeError, /"delay" .* got -1/],
    ["minDelay negative", () => new Context({ minDelay: -5 }), RangeError, /"minDelay" .* got -5/],
    ["maxDelay negative", () => new Context({ maxDelay: -5 }), RangeError, /"maxDelay" .* got -5/],
    [
      "min > max",
      () => new Context({ minDelay: 10, maxDelay: 5 }),
      RangeError,
      /"minDelay" \(10\) .* "maxDelay" \(5\)/,
    ],
    [
      "updateDelay",
      () => new Context({ updateDelay: 2 as never }),
      TypeError,
      /"updateDelay" .* got 2/,
    ],
    [
      "logger",
      () => new Context({ logger: {} as never }),
      TypeError,
      /"logger" must have info\(\) and warn\(\)/,
    ],
    ["clock", () => new Context({ clock: {} as never }), TypeError, /"clock"/],
  ];
  for (const [name, create, type, message] of cases) {
    it(name, () => {
      expect(create).toThrow(type);
      expect(create).toThrow(message);
    });
  }

  it("accepts maxDelay: null as no limit and freezes the context", () => {
    const context = new Context({ maxDelay: null });
    expect(context.maxDelay).toBe(2_147_483_647);
    expect(Object.isFrozen(context)).toBe(true);
  });
});

import { describe, expect, it } from "vitest";
import {
  constant,
  type DelayStrategy,
  decorrelatedJitter,
  equalJitter,
  exponential,
  fibonacci,
  fullJitter,
  linear,
  list,
  MAX_DELAY,
  proportionalJitter,
  random,
  seededRandom,
} from "../src/strategies/index.js";

/** The first `count` delays of one fresh sequence, after attempts 1..count. */
function take(strategy: DelayStrategy, count: number): number[] {
  const sequence = strategy.begin();
  return Array.from({ length: count }, (_, index) => sequence.next(index + 1));
}

/** A random source that replays the given values forever, so jittered values are computable by hand. */
function cycle(...values: number[]): () => number {
  let index = 0;
  return () => values[index++ % values.length]!;
}

describe("strategy sequences", () => {
  it("constant", () => {
    expect(take(constant(250), 4)).toEqual([250, 250, 250, 250]);
  });

  it("linear", () => {
    expect(take(linear({ initial: 100, step: 50, min: 120, max: 300 }), 7)).toEqual([
      120, 150, 200, 250, 300, 300, 300,
    ]);
  });

  it("exponential", () => {
    expect(take(exponential({ initial: 100, max: 1_000 }), 7)).toEqual([
      100, 200, 400, 800, 1000, 1000, 1000,
    ]);
  });

  it("exponential with a custom factor and min", () => {
    expect(take(exponential({ initial: 10, factor: 3, min: 50, max: 500 }), 5)).toEqual([
      50, 50, 90, 270, 500,
    ]);
  });

  it("fibonacci", () => {
    expect(take(fibonacci({ initial: 100, max: 1_000 }), 8)).toEqual([
      100, 100, 200, 300, 500, 800, 1000, 1000,
    ]);
  });

  it("list (the last delay repeats)", () => {
    expect(take(list([100, 500, 2_000], { max: 1_500 }), 5)).toEqual([100, 500, 1500, 1500, 1500]);
  });

  it("random (whole milliseconds, both ends inclusive)", () => {
    expect(take(random({ min: 100, max: 200, random: cycle(0, 0.5, 0.999_999, 1) }), 4)).toEqual([
      100, 150, 200, 200,
    ]);
  });

  it("full jitter", () => {
    const strategy = fullJitter({ base: 100, cap: 1_000, random: cycle(0.5, 0.25, 1, 0.5, 0.999) });
    // ceilings 100, 200, 400, 800, 1000
    expect(take(strategy, 5)).toEqual([50, 50, 400, 400, 999]);
  });

  it("equal jitter", () => {
    const strategy = equalJitter({ base: 100, cap: 1_000, min: 60, random: cycle(0, 0.5, 1) });
    // ceilings 100, 200, 400, 800, 1000, 1000; half + half * u, then raised to min
    expect(take(strategy, 6)).toEqual([60, 150, 400, 400, 750, 1000]);
  });

  it("decorrelated jitter (AWS: min(cap, uniform(base, previous * 3)))", () => {
    const strategy = decorrelatedJitter({
      base: 100,
      cap: 2_000,
      random: cycle(1, 1, 0.5, 0, 1, 1, 1),
    });
    // uniform(100, 300), (100, 900), (100, 2700), (100, 4200) → 1400 at 0.5, 100 at 0, ... capped at 2000
    expect(take(strategy, 8)).toEqual([300, 900, 1400, 100, 300, 900, 2000, 2000]);
  });

  it("proportional jitter (±20 % by default)", () => {
    const strategy = proportionalJitter(exponential({ initial: 1_000 }), {
      random: cycle(0, 0.5, 1),
    });
    expect(take(strategy, 3)).toEqual([800, 2000, 4800]);
  });

  it("proportional jitter, lengthening only", () => {
    const strategy = proportionalJitter(1_000, {
      ratio: 0.5,
      direction: "up",
      random: cycle(0, 0.5, 1),
    });
    expect(take(strategy, 3)).toEqual([1000, 1250, 1500]);
  });

  it("a seeded source makes a jittered sequence reproducible", () => {
    const make = () => fullJitter({ base: 100, cap: 10_000, random: seededRandom(7) });
    expect(take(make(), 10)).toEqual(take(make(), 10));
    expect(new Set(take(make(), 10)).size).toBeGreaterThan(5);
  });
});

describe("seededRandom", () => {
  it("is deterministic per seed and stays in [0, 1)", () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const c = seededRandom(43);
    const first = Array.from({ length: 1_000 }, () => a());
    expect(Array.from({ length: 1_000 }, () => b())).toEqual(first);
    expect(Array.from({ length: 5 }, () => c())).not.toEqual(first.slice(0, 5));
    for (const value of first) expect(value >= 0 && value < 1).toBe(true);
    const mean = first.reduce((sum, value) => sum + value, 0) / first.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });

  it("rejects a seed that is not a finite number", () => {
    expect(() => seededRandom(Number.NaN)).toThrow(
      /seededRandom\(\): "seed" must be a finite number, got NaN/,
    );
    expect(() => seededRandom("1" as never)).toThrow(TypeError);
  });
});

describe("far past the cap", () => {
  const far = [1_024, 1_025, 5_000, 1e9, Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY];
  const strategies: Record<string, DelayStrategy> = {
    "exponential, no max": exponential({ initial: 1 }),
    "exponential, max": exponential({ initial: 100, factor: 10, max: 60_000 }),
    "linear, no max": linear({ initial: 1, step: 1e300 }),
    "fibonacci, no max": fibonacci({ initial: 1e-9 }),
    "full jitter": fullJitter({ base: 100, cap: MAX_DELAY, random: cycle(0.999) }),
    "equal jitter": equalJitter({ base: 100, factor: 1e6, cap: 30_000, random: cycle(1) }),
    "proportional jitter": proportionalJitter(exponential({ initial: 1 }), { random: cycle(1) }),
  };
  for (const [name, strategy] of Object.entries(strategies)) {
    it(`${name} stays a finite integer within 2^31-1`, () => {
      const sequence = strategy.begin();
      for (const attempt of far) {
        const delay = sequence.next(attempt);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(MAX_DELAY);
      }
    });
  }

  it("growth stops at the cap instead of wrapping or turning into NaN", () => {
    const sequence = exponential({ initial: 100, max: 60_000 }).begin();
    expect([1_023, 1_024, 1_025, 100_000].map((attempt) => sequence.next(attempt))).toEqual([
      60_000, 60_000, 60_000, 60_000,
    ]);
    expect(exponential({ initial: 1 }).begin().next(5_000)).toBe(MAX_DELAY);
  });

  it("a zero initial delay stays zero at any attempt", () => {
    expect(exponential({ initial: 0 }).begin().next(1e6)).toBe(0);
    expect(fibonacci({ initial: 0 }).begin().next(1e6)).toBe(0);
  });
});

describe("sequences are independent", () => {
  it("two sequences of one decorrelated strategy do not share their walk", () => {
    const strategy = decorrelatedJitter({ base: 100, cap: 100_000, random: () => 1 });
    const first = strategy.begin();
    expect([1, 2, 3].map((attempt) => first.next(attempt))).toEqual([300, 900, 2700]);
    const second = strategy.begin();
    expect(second.next(1)).toBe(300);
    expect(first.next(4)).toBe(8100);
  });

  it("a decorrelated walk restarts when the attempt number goes back", () => {
    const sequence = decorrelatedJitter({ base: 100, cap: 100_000, random: () => 1 }).begin();
    expect([1, 2, 1, 2].map((attempt) => sequence.next(attempt))).toEqual([300, 900, 300, 900]);
  });

  it("strategies are frozen and the list is copied", () => {
    const delays = [1, 2, 3];
    const strategy = list(delays);
    delays[0] = 99;
    expect(take(strategy, 2)).toEqual([1, 2]);
    expect(Object.isFrozen(strategy)).toBe(true);
    expect(Object.isFrozen(exponential({ initial: 1 }))).toBe(true);
  });

  it("a misbehaving random source cannot push a value outside the bounds", () => {
    for (const bad of [Number.NaN, -1, 2, Number.POSITIVE_INFINITY]) {
      const source = () => bad;
      for (const strategy of [
        random({ min: 10, max: 20, random: source }),
        fullJitter({ base: 100, cap: 1_000, min: 5, random: source }),
        decorrelatedJitter({ base: 100, cap: 1_000, random: source }),
        proportionalJitter(100, { random: source }),
      ]) {
        for (const delay of take(strategy, 5)) {
          expect(Number.isInteger(delay)).toBe(true);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThanOrEqual(1_000);
        }
      }
    }
  });
});

describe("bad options fail at creation, naming the option and value", () => {
  const cases: Array<[string, () => unknown, ErrorConstructor, RegExp]> = [
    ["constant negative", () => constant(-1), RangeError, /constant\(\): "ms" .* got -1/],
    ["constant NaN", () => constant(Number.NaN), RangeError, /"ms" .* got NaN/],
    ["constant string", () => constant("5" as never), TypeError, /"ms" .* got "5"/],
    ["linear no options", () => linear(undefined as never), TypeError, /linear\(\): options/],
    ["linear step", () => linear({ initial: 1, step: -2 }), RangeError, /"step" .* got -2/],
    [
      "linear min > max",
      () => linear({ initial: 1, step: 1, min: 5, max: 4 }),
      RangeError,
      /"min" \(5\) .* "max" \(4\)/,
    ],
    [
      "exponential factor",
      () => exponential({ initial: 1, factor: 0.5 }),
      RangeError,
      /"factor" .* >= 1, got 0.5/,
    ],
    [
      "exponential initial",
      () => exponential({ initial: Number.POSITIVE_INFINITY }),
      RangeError,
      /"initial" .* got Infinity/,
    ],
    ["exponential max", () => exponential({ initial: 1, max: -1 }), RangeError, /"max" .* got -1/],
    [
      "fibonacci initial",
      () => fibonacci({ initial: -3 }),
      RangeError,
      /fibonacci\(\): "initial" .* got -3/,
    ],
    ["list empty", () => list([]), RangeError, /list\(\): "delays" .* empty/],
    ["list element", () => list([1, -1]), RangeError, /"delays\[1\]" .* got -1/],
    ["list not array", () => list(5 as never), TypeError, /"delays" .* got 5/],
    ["random min > max", () => random({ min: 5, max: 1 }), RangeError, /random\(\): "min" \(5\)/],
    [
      "random source",
      () => random({ min: 1, max: 5, random: 3 as never }),
      TypeError,
      /"random" must be a function, .*got 3|"random" must be a function/,
    ],
    [
      "full jitter cap",
      () => fullJitter({ base: 1, cap: -1 }),
      RangeError,
      /fullJitter\(\): "cap" .* got -1/,
    ],
    [
      "full jitter missing cap",
      () => fullJitter({ base: 1 } as never),
      TypeError,
      /"cap" .* got undefined/,
    ],
    [
      "equal jitter min > cap",
      () => equalJitter({ base: 1, cap: 10, min: 20 }),
      RangeError,
      /"min" \(20\) .* "cap" \(10\)/,
    ],
    [
      "decorrelated base",
      () => decorrelatedJitter({ base: Number.NaN, cap: 10 }),
      RangeError,
      /"base" .* got NaN/,
    ],
    [
      "proportional ratio",
      () => proportionalJitter(100, { ratio: 1.5 }),
      RangeError,
      /"ratio" .* got 1.5/,
    ],
    [
      "proportional direction",
      () => proportionalJitter(100, { direction: "down" as never }),
      RangeError,
      /"direction" .* got "down"/,
    ],
    [
      "proportional inner",
      () => proportionalJitter({} as never),
      TypeError,
      /"inner" must be a DelayStrategy/,
    ],
  ];
  for (const [name, create, type, message] of cases) {
    it(name, () => {
      expect(create).toThrow(type);
      expect(create).toThrow(message);
    });
  }
});

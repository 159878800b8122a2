import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
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

const duration = fc.double({ min: 0, max: 1e7, noNaN: true });
const huge = fc.double({ min: 0, max: 1e12, noNaN: true });
const factor = fc.double({ min: 1, max: 100, noNaN: true });
const attempts = fc.integer({ min: 1, max: 5_000 });
const seed = fc.integer();

/** Min/max with min <= max, either possibly absent. */
const bounds = fc
  .tuple(fc.option(duration, { nil: undefined }), fc.option(huge, { nil: undefined }))
  .map(([min, max]) =>
    min !== undefined && max !== undefined && min > max ? { min: max, max: min } : { min, max },
  );

/** Delays after attempts 1..count, with a few far-out attempts at the end. */
function delays(strategy: DelayStrategy, count: number): number[] {
  const sequence = strategy.begin();
  const out: number[] = [];
  for (let attempt = 1; attempt <= count; attempt++) out.push(sequence.next(attempt));
  return out;
}

function expectWithin(values: number[], low: number, high: number): void {
  // One assertion per run (not per value) keeps thousands of attempts per run fast.
  const bad = values.find((value) => !Number.isInteger(value) || value < low || value > high);
  expect(bad, `a value outside [${low}, ${high}]`).toBeUndefined();
}

/** Asserts `check(i)` for every index, reporting the first index that fails. */
function expectEvery(count: number, check: (index: number) => boolean): void {
  let failed: number | undefined;
  for (let index = 0; index < count && failed === undefined; index++)
    if (!check(index)) failed = index;
  expect(failed, "first index breaking the property").toBeUndefined();
}

const low = (min: number | undefined) => Math.round(min ?? 0);
const high = (max: number | undefined) => Math.round(Math.min(max ?? MAX_DELAY, MAX_DELAY));

describe("every value is a whole millisecond within [min, max] and 2^31-1, up to attempt 5000", () => {
  it("linear", () => {
    fc.assert(
      fc.property(duration, huge, bounds, attempts, (initial, step, b, count) => {
        const values = delays(linear({ initial, step, ...b }), count);
        expectWithin(values, low(b.min), high(b.max));
        expectEvery(values.length - 1, (i) => values[i + 1]! >= values[i]!);
      }),
      { numRuns: 60 },
    );
  });

  it("exponential: non-decreasing, capped", () => {
    fc.assert(
      fc.property(duration, factor, bounds, attempts, (initial, f, b, count) => {
        const values = delays(exponential({ initial, factor: f, ...b }), count);
        expectWithin(values, low(b.min), high(b.max));
        expectEvery(values.length - 1, (i) => values[i + 1]! >= values[i]!);
      }),
      { numRuns: 60 },
    );
  });

  it("fibonacci: non-decreasing, capped", () => {
    fc.assert(
      fc.property(duration, bounds, attempts, (initial, b, count) => {
        const values = delays(fibonacci({ initial, ...b }), count);
        expectWithin(values, low(b.min), high(b.max));
        expectEvery(values.length - 1, (i) => values[i + 1]! >= values[i]!);
      }),
      { numRuns: 60 },
    );
  });

  it("list", () => {
    fc.assert(
      fc.property(
        fc.array(huge, { minLength: 1, maxLength: 10 }),
        bounds,
        attempts,
        (items, b, count) => {
          const values = delays(list(items, b), count);
          expectWithin(values, low(b.min), high(b.max));
          // each value is the matching item (the last one repeating), clamped and rounded
          const lo = low(b.min);
          const hi = high(b.max);
          expectEvery(count, (i) => {
            const item = Math.round(Math.min(items[Math.min(i, items.length - 1)]!, MAX_DELAY));
            return values[i] === Math.min(Math.max(item, lo), hi);
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("random", () => {
    fc.assert(
      fc.property(duration, duration, seed, attempts, (a, b, s, count) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        expectWithin(
          delays(random({ min, max, random: seededRandom(s) }), count),
          low(min),
          high(max),
        );
      }),
      { numRuns: 60 },
    );
  });

  it("full and equal jitter: within [min, min(cap, base * factor^(n-1))]", () => {
    fc.assert(
      fc.property(
        duration,
        factor,
        huge,
        fc.option(duration, { nil: undefined }),
        seed,
        attempts,
        (base, f, cap, min, s, count) => {
          if (min !== undefined && min > cap) [min, cap] = [cap, min];
          const full = delays(
            fullJitter({ base, factor: f, cap, min, random: seededRandom(s) }),
            count,
          );
          const equal = delays(
            equalJitter({ base, factor: f, cap, min, random: seededRandom(s) }),
            count,
          );
          expectWithin(full, low(min), high(cap));
          expectWithin(equal, low(min), high(cap));
          const ceiling = (i: number) => (base === 0 ? 0 : Math.min(base * f ** i, high(cap)));
          expectEvery(count, (i) => full[i]! <= Math.max(Math.round(ceiling(i)), low(min)));
          // equal jitter never drops below half the ceiling
          expectEvery(count, (i) => equal[i]! >= Math.floor(ceiling(i) / 2));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("decorrelated jitter: within [min(base, cap), cap], raised to min", () => {
    fc.assert(
      fc.property(
        duration,
        huge,
        fc.option(duration, { nil: undefined }),
        seed,
        attempts,
        (base, cap, min, s, count) => {
          if (min !== undefined && min > cap) [min, cap] = [cap, min];
          const values = delays(
            decorrelatedJitter({ base, cap, min, random: seededRandom(s) }),
            count,
          );
          const floor = Math.max(low(min), Math.min(Math.round(base), high(cap)));
          expectWithin(values, Math.min(floor, high(cap)), high(cap));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("proportional jitter: within ±ratio of the inner delay, then the bounds", () => {
    fc.assert(
      fc.property(
        duration,
        fc.double({ min: 0, max: 1, noNaN: true }),
        seed,
        attempts,
        (initial, ratio, s, count) => {
          const inner = exponential({ initial, factor: 1.6, max: 1e6 });
          const plain = delays(inner, count);
          const jittered = delays(
            proportionalJitter(inner, { ratio, random: seededRandom(s) }),
            count,
          );
          expectWithin(jittered, 0, MAX_DELAY);
          expectEvery(
            count,
            (i) =>
              jittered[i]! >= Math.floor(plain[i]! * (1 - ratio)) - 1 &&
              jittered[i]! <= Math.ceil(plain[i]! * (1 + ratio)) + 1,
          );
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe("sequences of one strategy share no state", () => {
  it("interleaving two sequences gives each the same values as running it alone", () => {
    fc.assert(
      fc.property(duration, huge, seed, fc.integer({ min: 1, max: 200 }), (base, cap, s, count) => {
        // A source that returns the same value to both sequences at each step keeps the
        // comparison about the strategy's state, not about the random source's.
        const make = () =>
          decorrelatedJitter({ base, cap: Math.max(cap, base), random: constantSource(s) });
        const alone = delays(make(), count);
        const strategy = make();
        const a = strategy.begin();
        const b = strategy.begin();
        const left: number[] = [];
        const right: number[] = [];
        for (let attempt = 1; attempt <= count; attempt++) {
          left.push(a.next(attempt));
          right.push(b.next(attempt));
        }
        expect(left).toEqual(alone);
        expect(right).toEqual(alone);
      }),
      { numRuns: 60 },
    );
  });
});

function constantSource(s: number): () => number {
  const value = seededRandom(s)();
  return () => value;
}

/**
 * What a delay strategy says about itself: its name and the parameters it was made with, as plain
 * data (numbers, strings, booleans, `null` for "no limit", and nested descriptions for strategies
 * built on others). `retryPolicyOf` puts it in a policy's description, so tooling can show how a
 * method pauses without calling the strategy.
 *
 * @example
 * ```ts
 * import { exponential } from "@retrykit/retry-core";
 * exponential({ initial: 100, max: 1_000 }).describe?.();
 * // { strategy: "exponential", initial: 100, factor: 2, min: 0, max: 1000 }
 * ```
 */
export interface DelayStrategyDescription {
  /** The strategy's name: `"constant"`, `"exponential"`, `"fullJitter"`, ... (`"custom"` when a strategy does not describe itself). */
  readonly strategy: string;
  /** Its parameters, in milliseconds where they are durations. */
  readonly [parameter: string]: unknown;
}

/** A frozen description; `Infinity` bounds become `null` ("no limit") so that it stays JSON-friendly. @internal */
export function strategyDescription(
  strategy: string,
  parameters: Readonly<Record<string, unknown>> = {},
): DelayStrategyDescription {
  const description: Record<string, unknown> = { strategy };
  for (const [name, value] of Object.entries(parameters)) {
    description[name] = value === Number.POSITIVE_INFINITY ? null : value;
  }
  return Object.freeze(description) as DelayStrategyDescription;
}

/** How a strategy's random source is described: the default `Math.random`, or one given. @internal */
export function randomSourceName(random: unknown): "Math.random" | "custom" {
  return random === undefined || random === null || random === Math.random
    ? "Math.random"
    : "custom";
}

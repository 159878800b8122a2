import type { OptionValues } from "./command.js";
import { UsageError } from "./usage-error.js";

/** The string value of `--name`, if given. */
export function stringOption(options: OptionValues, name: string): string | undefined {
  const value = options[name];
  return typeof value === "string" ? value : undefined;
}

/** `--name` as a non-negative integer (a bigint, so that any u64 fits). */
export function integerOption(
  options: OptionValues,
  name: string,
  { min = 0n }: { min?: bigint } = {},
): bigint | undefined {
  const text = stringOption(options, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || BigInt(text) >= 2n ** 64n || BigInt(text) < min) {
    const what = min > 0n ? `an integer of at least ${min}` : "a non-negative integer";
    throw new UsageError(`--${name} must be ${what}, got ${JSON.stringify(text)}`);
  }
  return BigInt(text);
}

/** `--name` as a safe integer number (durations, counts of tries, page sizes). */
export function numberOption(
  options: OptionValues,
  name: string,
  limits: { min?: number; max?: number } = {},
): number | undefined {
  const text = stringOption(options, name);
  if (text === undefined) return undefined;
  const value = Number(text);
  const min = limits.min ?? 0;
  const max = limits.max ?? Number.MAX_SAFE_INTEGER;
  if (!/^\d+$/.test(text) || value < min || value > max) {
    throw new UsageError(
      `--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`,
    );
  }
  return value;
}

/** `--name true|false` (also yes/no, 1/0). */
export function booleanValueOption(options: OptionValues, name: string): boolean | undefined {
  const text = stringOption(options, name);
  if (text === undefined) return undefined;
  const normalized = text.toLowerCase();
  if (["true", "yes", "1", "on"].includes(normalized)) return true;
  if (["false", "no", "0", "off"].includes(normalized)) return false;
  throw new UsageError(`--${name} must be true or false, got ${JSON.stringify(text)}`);
}

/** `--name` that must be one of `choices`. */
export function choiceOption<T extends string>(
  options: OptionValues,
  name: string,
  choices: readonly T[],
): T | undefined {
  const text = stringOption(options, name);
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(
      `--${name} must be one of ${choices.join(", ")}, got ${JSON.stringify(text)}`,
    );
  }
  return text as T;
}

/** JSON that writes bigints as numbers when they are safe integers, as strings otherwise. */
export function toJson(value: unknown, indent?: number): string {
  return JSON.stringify(
    value,
    (_key, v: unknown) => {
      if (typeof v !== "bigint") return v;
      return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
    },
    indent,
  );
}

import type { ListOptions } from "../schemas.js";
import type { OptionSpec, OptionValues } from "./command.js";
import { numberOption, stringOption } from "./values.js";

/** Options of the list commands. */
export function listOptionSpecs(what: string): Readonly<Record<string, OptionSpec>> {
  return {
    prefix: {
      type: "string",
      valueName: "prefix",
      description: `Only ${what} whose name begins with <prefix>`,
    },
    "start-after": {
      type: "string",
      valueName: "name",
      description: `Only ${what} after <name>`,
    },
    limit: {
      type: "string",
      valueName: "n",
      description: `At most <n> ${what} (default: all, fetched page by page)`,
    },
    json: { type: "boolean", description: "One JSON object per line" },
  };
}

/** The list options given, and the limit apart (the list commands page through everything without it). */
export function listOptionsFrom(
  options: OptionValues,
  signal: AbortSignal,
): { list: Omit<ListOptions, "limit">; limit: number | undefined } {
  const prefix = stringOption(options, "prefix");
  const startAfter = stringOption(options, "start-after");
  return {
    list: {
      ...(prefix === undefined ? {} : { prefix }),
      ...(startAfter === undefined ? {} : { startAfter }),
      signal,
    },
    limit: numberOption(options, "limit", { min: 1, max: 1000 }),
  };
}

/** Yields at most `limit` items of `items`. */
export async function* take<T>(
  items: AsyncIterable<T>,
  limit: number | undefined,
): AsyncGenerator<T, void, undefined> {
  if (limit === undefined) {
    yield* items;
    return;
  }
  let left = limit;
  if (left <= 0) return;
  for await (const item of items) {
    yield item;
    if (--left <= 0) return;
  }
}

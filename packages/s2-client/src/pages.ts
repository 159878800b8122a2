import type { ListOptions, Page } from "./schemas.js";
import { validateListLimit, validateSignal, validateString } from "./validate.js";

/** Validated list request fields. @internal */
export function listParameters(options: ListOptions): {
  prefix: string;
  startAfter: string;
  limit: bigint;
} {
  if (typeof options !== "object" || options === null)
    throw new TypeError("options must be an object");
  const { prefix = "", startAfter = "", limit = 1000 } = options;
  validateString(prefix, "prefix");
  validateString(startAfter, "startAfter");
  validateListLimit(limit);
  validateSignal(options.signal);
  return { prefix, startAfter, limit: BigInt(limit) };
}

/** Walks every page of a list call, each page retried on its own. @internal */
export async function* pages<T>(
  fetch: (options: ListOptions) => Promise<Page<T>>,
  keyOf: (item: T) => string,
  options: Omit<ListOptions, "limit">,
): AsyncGenerator<T, void, undefined> {
  let startAfter = options.startAfter ?? "";
  for (;;) {
    const page = await fetch({ ...options, startAfter });
    for (const item of page.items) yield item;
    const last = page.items[page.items.length - 1];
    if (!page.hasMore || last === undefined) return;
    startAfter = keyOf(last);
  }
}

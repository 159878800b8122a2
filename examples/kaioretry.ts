/**
 * kaioretry's vocabulary: a `Context` (how many tries, which pauses) and `Retry(exceptions,
 * context)`, a decorator for synchronous and asynchronous functions alike; plus `aioretry(...)`
 * with kaioretry's keyword options.
 *
 * Run: pnpm --filter @retrykit/examples run kaioretry
 */
import { aioretry, Context, Retry } from "@retrykit/retry-core";

class Flaky extends Error {
  override name = "Flaky";
}

// Four tries in all, pauses 10 then 20 then 40 ms.
const context = new Context({ tries: 4, delay: 10, updateDelay: (ms) => ms * 2 });

// A Context is also a loop of its own: it pauses between iterations.
for await (const attempt of context) {
  console.log(`loop over the context: try ${attempt}`);
  if (attempt === 2) break;
}

const retryFlaky = Retry(Flaky, context);

// Synchronous function: the result comes back synchronously (the pauses block the thread).
let parses = 0;
const parse = retryFlaky((text: string): number => {
  if (++parses < 3) throw new Flaky(`not yet (${parses})`);
  return Number.parseInt(text, 10);
});
console.log(`sync: parse("42") = ${parse("42")} after ${parses} tries`);

// Asynchronous method, decorated with the same Retry.
class Feed {
  loads = 0;

  @retryFlaky
  async latest(): Promise<string> {
    if (++this.loads < 2) throw new Flaky("feed busy");
    return "item-7";
  }
}
const feed = new Feed();
console.log(`async: latest() = ${await feed.latest()} after ${feed.loads} tries`);

// aioretry with kaioretry's options: exponential pauses with jitter, capped.
let fetches = 0;
const load = aioretry({
  exceptions: [Flaky],
  tries: 5,
  delay: 5,
  backoff: 2,
  jitter: [0, 5],
  maxDelay: 50,
})(async (id: number) => {
  if (++fetches < 4) throw new Flaky("try again");
  return { id, ok: true };
});
console.log(`aioretry: load(7) = ${JSON.stringify(await load(7))} after ${fetches} tries`);

// Errors that are not listed propagate at once.
const strict = Retry(
  Flaky,
  new Context({ tries: 3 }),
)(() => {
  throw new TypeError("bad input");
});
try {
  strict();
} catch (error) {
  console.log(`not retried: ${(error as Error).name}: ${(error as Error).message}`);
}

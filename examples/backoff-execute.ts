/**
 * The engine as an object: `new Backoff(options).execute(fn, ...args)` calls `fn(...args)` once
 * per attempt. Hooks watch every retry and give-up; statistics add up over all calls.
 *
 * Run: pnpm --filter @retrykit/examples run backoff-execute
 */
import { Backoff, exponential } from "@retrykit/retry-core";

class Busy extends Error {
  override name = "Busy";
}

const backoff = new Backoff({
  attemptTimeout: 500,
  deadline: 5_000,
  pause: exponential({ initial: 20, factor: 2, max: 200 }), // 20, 40, 80, ... ms
  exceptions: [Busy],
  maxTries: 5,
  onRetry: ({ attempt, error, delay, elapsed }) =>
    console.log(
      `  attempt ${attempt} failed (${(error as Error).message}) at +${Math.round(elapsed)} ms; retrying in ${delay} ms`,
    ),
  onGiveUp: ({ attempt, reason }) => console.log(`  gave up after attempt ${attempt}: ${reason}`),
});

// A service that is busy for its first three requests.
let requests = 0;
async function price(item: string, quantity: number): Promise<number> {
  requests++;
  if (requests <= 3) throw new Busy(`busy #${requests}`);
  return quantity * (item === "apple" ? 0.5 : 1);
}

console.log("execute(price, 'apple', 4):");
const total = await backoff.execute(price, "apple", 4);
console.log(`  → ${total}`);

console.log("execute() of a call that never succeeds:");
try {
  await backoff.execute(async () => {
    throw new Busy("still busy");
  });
} catch (error) {
  console.log(`  → rejected with the last error itself: ${(error as Error).message}`);
}

const { attempts, done, retries, giveups } = backoff.statistics;
console.log(
  `statistics: ${attempts} attempts, ${retries} retries, ${done} done, ${giveups} given up`,
);
if (total !== 2 || attempts !== 9) process.exitCode = 1;

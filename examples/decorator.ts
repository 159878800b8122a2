/**
 * aiomisc's `asyncbackoff` as a TypeScript method decorator: each call of `Inventory.count` gets
 * 200 ms per attempt, 2 s in all, 50 ms between attempts, and retries only `ConnectionError`s
 * (and attempt timeouts, which are always retryable).
 *
 * Run: pnpm --filter @retrykit/examples run decorator
 */
import { asyncBackoff, currentAttempt, TimeoutError } from "@retrykit/retry-core";

class ConnectionError extends Error {
  override name = "ConnectionError";
}

class Inventory {
  calls = 0;

  // Positional form, as in aiomisc: attemptTimeout, deadline, pause, ...exceptions (ms).
  @asyncBackoff(200, 2_000, 50, ConnectionError)
  async count(sku: string): Promise<number> {
    const attempt = currentAttempt()!; // read it first thing: the context of this very attempt
    this.calls++;
    console.log(
      `  attempt ${attempt.attempt} for ${sku} (after ${Math.round(attempt.elapsed())} ms)`,
    );
    if (attempt.attempt === 1) throw new ConnectionError("connection reset");
    if (attempt.attempt === 2) {
      // Too slow: the attempt timeout aborts this signal after 200 ms and the engine moves on.
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 10_000);
        attempt.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
      throw attempt.signal.reason;
    }
    return 42;
  }

  // An error that is not listed is not retried: it propagates at once, unchanged.
  @asyncBackoff(200, 2_000, 50, ConnectionError)
  async reserve(sku: string): Promise<never> {
    this.calls++;
    throw new RangeError(`unknown sku ${sku}`);
  }
}

const inventory = new Inventory();
console.log("count(): fails once, times out once, then answers");
const count = await inventory.count("sku-1");
console.log(`  → ${count} after ${inventory.calls} attempts`);

console.log("reserve(): a RangeError is not in the list, so it is not retried");
inventory.calls = 0;
try {
  await inventory.reserve("sku-404");
} catch (error) {
  console.log(
    `  → ${(error as Error).name}: ${(error as Error).message} after ${inventory.calls} attempt`,
  );
}

// The same decorator wraps a plain function too.
const slow = asyncBackoff(50, 300, 0)(async () => new Promise<string>(() => {}));
try {
  await slow();
} catch (error) {
  if (!(error instanceof TimeoutError)) throw error;
  console.log(
    `plain function: every 50 ms attempt timed out; at the 300 ms deadline it rejected with the last one (TimeoutError, kind "${error.kind}")`,
  );
}

if (count !== 42) process.exitCode = 1;

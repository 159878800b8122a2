import { Injectable } from "@nestjs/common";
import { asyncBackoff, currentAttempt } from "@retrykit/retry-core";
import { UpstreamBusyError } from "./errors.js";
// A value import, not `import type`: emitDecoratorMetadata needs the class at run time.
import { UpstreamClient } from "./upstream.client.js";

/**
 * An injectable service whose methods are retried. Nest injects `UpstreamClient` by its type, read
 * from the `design:paramtypes` metadata that `emitDecoratorMetadata` writes for the constructor.
 */
@Injectable()
export class InventoryService {
  constructor(readonly upstream: UpstreamClient) {}

  /** Up to 4 attempts of 100 ms each within 1 s, 10 ms apart, when the upstream is busy. */
  @asyncBackoff({
    attemptTimeout: 100,
    deadline: 1_000,
    pause: 10,
    maxTries: 4,
    exceptions: [UpstreamBusyError],
  })
  async stock(sku: string): Promise<{ sku: string; units: number }> {
    return { sku, units: await this.upstream.fetchStock(sku) };
  }

  /** Attempts of 50 ms, within 300 ms: against a hanging upstream, it ends with a TimeoutError. */
  @asyncBackoff(50, 300, 0)
  async forecast(sku: string): Promise<{ sku: string; units: number }> {
    const { signal } = currentAttempt()!; // aborted when the attempt times out
    return { sku, units: await this.upstream.fetchForecast(sku, signal) };
  }
}

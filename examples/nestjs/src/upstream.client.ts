import { Injectable } from "@nestjs/common";
import { UpstreamBusyError } from "./errors.js";

/**
 * A stand-in for a remote inventory system: busy for the first two calls of each SKU, and hanging
 * (until the caller aborts) on forecasts. It counts every call, so retries can be seen.
 */
@Injectable()
export class UpstreamClient {
  readonly calls = new Map<string, number>();

  #count(what: string): number {
    const count = (this.calls.get(what) ?? 0) + 1;
    this.calls.set(what, count);
    return count;
  }

  async fetchStock(sku: string): Promise<number> {
    if (this.#count(`stock ${sku}`) <= 2) throw new UpstreamBusyError(`busy (stock ${sku})`);
    return 7;
  }

  /** Never answers: resolves only through `signal`, which the retry engine aborts on a timeout. */
  fetchForecast(sku: string, signal: AbortSignal): Promise<number> {
    this.#count(`forecast ${sku}`);
    return new Promise((_resolve, reject) => {
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
  }
}

import { Controller, Get, Param } from "@nestjs/common";
import { asyncBackoff, asyncRetry, retriedMethods } from "@retrykit/retry-core";
import { UpstreamBusyError } from "./errors.js";
import { InventoryService } from "./inventory.service.js";

/**
 * Routes, two of them retried right in the controller. Decorators apply bottom-up: on `price` ours
 * is applied last and replaces a function `@Get` already marked as a route (retry-core copies that
 * metadata to its wrapper); on `report` ours is applied first and `@Get` marks the wrapper.
 */
@Controller()
export class InventoryController {
  readonly attempts = { price: 0, report: 0 };

  constructor(readonly inventory: InventoryService) {}

  @Get("stock/:sku")
  stock(@Param("sku") sku: string) {
    return this.inventory.stock(sku);
  }

  @asyncRetry(3, { exceptions: [UpstreamBusyError] })
  @Get("price/:sku")
  async price(@Param("sku") sku: string) {
    if (++this.attempts.price < 3) throw new UpstreamBusyError("price feed busy");
    return { sku, price: 12.5, attempts: this.attempts.price };
  }

  @Get("report")
  @asyncBackoff({ maxTries: 2, exceptions: [UpstreamBusyError] })
  async report() {
    if (++this.attempts.report < 2) throw new UpstreamBusyError("report busy");
    return { lines: 3, attempts: this.attempts.report };
  }

  @Get("forecast/:sku")
  forecast(@Param("sku") sku: string) {
    return this.inventory.forecast(sku);
  }

  /** How many times the upstream was called, per call: the retries, counted. */
  @Get("upstream-calls")
  upstreamCalls() {
    return Object.fromEntries(this.inventory.upstream.calls);
  }

  /** The retry policies of this application's classes, as framework tooling can read them. */
  @Get("retry-policies")
  policies() {
    return [...retriedMethods(InventoryController), ...retriedMethods(InventoryService)].map(
      ({ owner, name, policy }) => ({ owner, name: String(name), policy }),
    );
  }
}

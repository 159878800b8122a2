import { Backoff } from "@retrykit/retry-core";
import type { ResolvedConfig } from "./config.js";
import { engineHooks } from "./retry-events.js";
import { type Rpc, retryAfterOf, shouldRetry } from "./retry-table.js";
import { s2Telemetry } from "./span-attributes.js";

/**
 * The Backoffs of one client, built from its settings and the retry table: the methods' retry
 * decorators ask for theirs at call time (`self.policies.forRpc("CheckTail")`), so the settings of
 * the instance decide how a call retries while the decision of what is retryable stays in the table.
 *
 * @internal
 */
export class RetryPolicies {
  readonly #config: ResolvedConfig;
  readonly #unary = new Map<Rpc, Backoff>();
  #readSession: Backoff | undefined;

  constructor(config: ResolvedConfig) {
    this.#config = config;
  }

  /**
   * The Backoff of a unary RPC. A call that is never retried with these settings (`maxRetries: 0`,
   * or an append with `enableAppendRetries: false`) still runs through one that retries nothing:
   * its span, metrics, history and `onGiveUp` are those of any other call, and the engine's fast
   * path makes it cost next to nothing when none of them is wanted.
   */
  forRpc(rpc: Rpc): Backoff {
    let backoff = this.#unary.get(rpc);
    if (backoff === undefined) {
      // No engine attempt timeout: every attempt carries a gRPC deadline of `requestTimeout`,
      // whose DEADLINE_EXCEEDED is retryable, so a second timer per call would only add cost.
      backoff = this.#build(rpc, {});
      this.#unary.set(rpc, backoff);
    }
    return backoff;
  }

  /**
   * The Backoff of one append session. `nothingInFlight` tells, at the moment of a failure,
   * whether every batch sent so far had been acknowledged (then a retry cannot duplicate anything).
   */
  forAppendSession(nothingInFlight: () => boolean): Backoff {
    return this.#build("AppendSession", {}, nothingInFlight);
  }

  /**
   * The Backoff of read sessions: no attempt or idle timeout in the engine. With heartbeats, the
   * session's attempt watches for silence itself (a heartbeat proves the connection alive but is
   * not progress: only records reset the count of attempts, which the engine bases on items).
   */
  forReadSession(): Backoff {
    if (this.#readSession === undefined) this.#readSession = this.#build("ReadSession", {});
    return this.#readSession;
  }

  #build(
    rpc: Rpc,
    limits: { attemptTimeout?: number; idleTimeout?: number },
    nothingInFlight: () => boolean = () => false,
  ): Backoff {
    const config = this.#config;
    const appendsOff = (rpc === "Append" || rpc === "AppendSession") && !config.enableAppendRetries;
    const settings = {
      enableAppendRetries: config.enableAppendRetries,
      appendRetryPolicy: config.appendRetryPolicy,
    };
    const retry = (error: unknown) => shouldRetry(rpc, error, settings, nothingInFlight());
    return new Backoff({
      ...limits,
      ...engineHooks(rpc, config),
      maxTries: appendsOff ? 1 : config.maxRetries + 1,
      pause: config.retryBackoff,
      retryIf: retry,
      // Attempt timeouts are retried by the engine unless told otherwise; the table may say no.
      giveup: (error) => !retry(error),
      retryAfter: retryAfterOf,
      telemetry: s2Telemetry(rpc, config.transport),
      budget: config.retryBudget,
      // Only reads that change nothing may be sent twice at once.
      hedge: rpc === "CheckTail" || rpc === "Read" ? config.hedgeReads : undefined,
    });
  }
}

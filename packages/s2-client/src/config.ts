import type { ChannelOptions } from "@grpc/grpc-js";
import {
  compilePolicy,
  fullJitter,
  type HedgeOptions,
  type Pause,
  RetryBudget,
} from "@retrykit/retry-core";
import { AccessToken } from "./access-token.js";
import { Endpoints, type EndpointsInit, type TransportKind } from "./endpoints.js";
import type { S2GiveUpEvent, S2RetryEvent } from "./retry-events.js";
import type { AppendRetryPolicy } from "./retry-table.js";
import { ONE_MIB, show } from "./validate.js";

/** Options of `new S2(...)`. Durations are milliseconds. */
export interface S2Options {
  /** Access token (bearer). Never printed: errors, logs and `util.inspect` show a placeholder. */
  readonly accessToken: string;
  /**
   * The wire protocol: `"rest"` (S2's REST API v1, with s2s sessions over HTTP/2: what S2 serves
   * today) or `"grpc"` (the v1alpha gRPC API). @default "rest"
   */
  readonly transport?: TransportKind;
  /** Where the service lives. @default Endpoints.forCloud("aws", transport) */
  readonly endpoints?: Endpoints | EndpointsInit;
  /** Time limit of one attempt of a unary call (the gRPC deadline). @default 5000 */
  readonly requestTimeout?: number;
  /** Retries after the first attempt (so at most `maxRetries + 1` attempts). @default 3 */
  readonly maxRetries?: number;
  /** Retry `append` and `appendSession` at all. @default true */
  readonly enableAppendRetries?: boolean;
  /**
   * Which append failures are retried: `"all"` retries every retryable failure (a batch may land
   * twice unless it carries `matchSeqNum`); `"noSideEffects"` only those that cannot have appended
   * anything. @default "all"
   */
  readonly appendRetryPolicy?: AppendRetryPolicy;
  /**
   * Gzip-compress appends and reads on the basin endpoint (over REST: s2s session frames of 1 KiB
   * or more, both ways). @default false
   */
  readonly enableCompression?: boolean;
  /**
   * Pause between attempts: milliseconds or a retry-core delay strategy. The default draws from
   * 100 ms up to `min(5 s, 1 s × 2^(attempt-1))`, as the Python client does. A `retry-after-ms`
   * hint from the server replaces it.
   */
  readonly retryBackoff?: Pause;
  /** Most metered bytes of unacknowledged appends an append session keeps in flight (≥ 1 MiB). @default 10485760 */
  readonly maxInflightBytes?: number;
  /** A read session that receives neither records nor a heartbeat for this long reconnects (not one with `heartbeats: false`). @default 20000 */
  readonly readSessionIdleTimeout?: number;
  /** Extra grpc-js channel options (retries stay off whatever is given here). */
  readonly channelOptions?: ChannelOptions;
  /**
   * Called after each failed attempt that will be retried, before the pause: unary calls, append
   * sessions and read sessions alike. What it throws is ignored.
   */
  readonly onRetry?: (event: S2RetryEvent) => void;
  /**
   * Called when a call or session fails for good with an `S2Error` (not on aborts or bad input).
   * What it throws is ignored.
   */
  readonly onGiveUp?: (event: S2GiveUpEvent) => void;
  /**
   * The retry budget shared by every unary call and session reconnect of this client: gRPC's retry
   * throttling, so that retries cannot multiply the load on a failing service. Give your own
   * `RetryBudget` to share one between clients; `null` turns it off.
   * @default new RetryBudget({ maxTokens: 10, tokenRatio: 0.1 }), one per `S2` instance
   */
  readonly retryBudget?: RetryBudget | null;
  /**
   * Hedging of the idempotent reads `checkTail` and unary `read`: when an attempt has not answered
   * after `delay` ms another is sent, up to `maxAttempts` in flight; the first answer wins.
   * @default null (off)
   */
  readonly hedgeReads?: HedgeOptions | null;
}

/** Options validated and filled with defaults; shared by an `S2` and everything it creates. @internal */
export interface ResolvedConfig {
  readonly transport: TransportKind;
  readonly accessToken: AccessToken;
  readonly endpoints: Endpoints;
  readonly requestTimeout: number;
  readonly maxRetries: number;
  readonly enableAppendRetries: boolean;
  readonly appendRetryPolicy: AppendRetryPolicy;
  readonly enableCompression: boolean;
  readonly retryBackoff: Pause;
  readonly maxInflightBytes: number;
  readonly readSessionIdleTimeout: number;
  readonly channelOptions: ChannelOptions;
  readonly onRetry: ((event: S2RetryEvent) => void) | undefined;
  readonly onGiveUp: ((event: S2GiveUpEvent) => void) | undefined;
  readonly retryBudget: RetryBudget | undefined;
  readonly hedgeReads: HedgeOptions | undefined;
}

const MAX_TIMER = 2 ** 31 - 1;

function duration(value: unknown, parameter: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > MAX_TIMER) {
    throw new RangeError(
      `${parameter} must be a positive number of milliseconds, got ${show(value)}`,
    );
  }
  return value;
}

function flag(value: unknown, parameter: string, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== "boolean")
    throw new TypeError(`${parameter} must be a boolean, got ${show(value)}`);
  return value;
}

function hook<T>(value: T | undefined, parameter: string): T | undefined {
  if (value !== undefined && typeof value !== "function")
    throw new TypeError(`${parameter} must be a function, got ${show(value)}`);
  return value;
}

/** Validates every option up front and fills in the defaults. @internal */
export function resolveConfig(options: S2Options): ResolvedConfig {
  if (typeof options !== "object" || options === null) {
    throw new TypeError(`options must be an object with an accessToken, got ${show(options)}`);
  }
  const maxRetries = options.maxRetries ?? 3;
  if (!Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 1000) {
    throw new RangeError(`maxRetries must be an integer from 0 to 1000, got ${show(maxRetries)}`);
  }
  const policy = options.appendRetryPolicy ?? "all";
  if (policy !== "all" && policy !== "noSideEffects") {
    throw new RangeError(`appendRetryPolicy must be "all" or "noSideEffects", got ${show(policy)}`);
  }
  const maxInflightBytes = options.maxInflightBytes ?? 10 * ONE_MIB;
  if (!Number.isSafeInteger(maxInflightBytes) || maxInflightBytes < ONE_MIB) {
    throw new RangeError(
      `maxInflightBytes must be an integer of at least ${ONE_MIB}, got ${show(maxInflightBytes)}`,
    );
  }
  const retryBackoff =
    options.retryBackoff ?? fullJitter({ base: 1000, factor: 2, cap: 5000, min: 100 });
  if (
    retryBackoff !== null &&
    !(typeof retryBackoff === "number" && Number.isFinite(retryBackoff) && retryBackoff >= 0) &&
    !(typeof retryBackoff === "object" && typeof retryBackoff.begin === "function")
  ) {
    throw new TypeError(
      `retryBackoff must be milliseconds or a delay strategy, got ${show(retryBackoff)}`,
    );
  }
  if (
    options.channelOptions !== undefined &&
    (typeof options.channelOptions !== "object" || options.channelOptions === null)
  ) {
    throw new TypeError(`channelOptions must be an object, got ${show(options.channelOptions)}`);
  }
  const transport = options.transport ?? "rest";
  if (transport !== "rest" && transport !== "grpc") {
    throw new RangeError(`transport must be "rest" or "grpc", got ${show(transport)}`);
  }
  const retryBudget =
    options.retryBudget === undefined
      ? new RetryBudget({ maxTokens: 10, tokenRatio: 0.1 })
      : (options.retryBudget ?? undefined);
  if (retryBudget !== undefined && !(retryBudget instanceof RetryBudget)) {
    throw new TypeError(`retryBudget must be a RetryBudget or null, got ${show(retryBudget)}`);
  }
  const hedgeReads = options.hedgeReads ?? undefined;
  // Checked now, not at the first read.
  if (hedgeReads !== undefined) {
    try {
      compilePolicy({ hedge: hedgeReads });
    } catch (error) {
      const message = (error as Error).message.replace(/^hedge/, "hedgeReads");
      throw error instanceof RangeError
        ? new RangeError(message, { cause: error })
        : new TypeError(message, { cause: error });
    }
  }
  return Object.freeze({
    transport,
    retryBudget,
    hedgeReads,
    accessToken: new AccessToken(options.accessToken),
    endpoints: Endpoints.from(options.endpoints, transport),
    requestTimeout: duration(options.requestTimeout, "requestTimeout", 5000),
    maxRetries,
    enableAppendRetries: flag(options.enableAppendRetries, "enableAppendRetries", true),
    appendRetryPolicy: policy,
    enableCompression: flag(options.enableCompression, "enableCompression", false),
    retryBackoff,
    maxInflightBytes,
    readSessionIdleTimeout: duration(
      options.readSessionIdleTimeout,
      "readSessionIdleTimeout",
      20_000,
    ),
    channelOptions: { ...(options.channelOptions ?? {}) },
    onRetry: hook(options.onRetry, "onRetry"),
    onGiveUp: hook(options.onGiveUp, "onGiveUp"),
  });
}

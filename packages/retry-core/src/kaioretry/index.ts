export { blockingSleep } from "./blocking-sleep.js";
export { Context, type ContextOptions } from "./context.js";
export { type RetryLogger, silentLogger } from "./logger.js";
export {
  type Retrier,
  Retry,
  type RetryExceptions,
  type RetryObjectOptions,
  type SyncRetryDecorator,
} from "./retry.js";
export { aioretry, type RetryOptions, retry } from "./retry-function.js";

import { describeValue } from "../policy.js";

/**
 * Where the kaioretry layer writes its lines: anything with console-style `info` and `warn`
 * methods (`console` itself, pino, winston, a test spy).
 */
export interface RetryLogger {
  /** Loop progress: tries remaining, the next sleep. */
  info(message: string): void;
  /** A failed try that will be retried. */
  warn(message: string): void;
}

function nothing(): void {}

/**
 * The default logger: writes nothing. Retrying is routine, so the layer stays quiet unless given
 * a logger (pass `console` to see every loop).
 */
export const silentLogger: RetryLogger = Object.freeze({ info: nothing, warn: nothing });

/** Validates a logger option; `undefined`/`null` give `fallback`. @internal */
export function checkLogger(where: string, value: unknown, fallback: RetryLogger): RetryLogger {
  if (value === undefined || value === null) return fallback;
  const logger = value as RetryLogger;
  if (
    (typeof value !== "object" && typeof value !== "function") ||
    typeof logger.info !== "function" ||
    typeof logger.warn !== "function"
  ) {
    throw new TypeError(
      `${where}: "logger" must have info() and warn() methods (console-compatible), got ${describeValue(value)}`,
    );
  }
  return logger;
}

/** A one-line summary of a thrown value for a log line, that cannot itself throw. @internal */
export function summarizeError(error: unknown): string {
  try {
    if (error instanceof Error) return `${error.name}: ${error.message}`;
    return typeof error === "string" ? error : describeValue(error);
  } catch {
    return "an unprintable value";
  }
}

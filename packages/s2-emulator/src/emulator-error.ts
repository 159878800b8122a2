import { Metadata, status } from "@grpc/grpc-js";

/**
 * A failure the emulator answers with: a gRPC status code, a message, and optional trailers
 * (for example `s2-expected-seq-num` on a sequence-number mismatch).
 */
export class EmulatorError extends Error {
  override readonly name = "EmulatorError";
  /** The gRPC status code sent to the client. */
  readonly code: status;
  /** Extra response trailers, sent with the status. */
  readonly trailers: Readonly<Record<string, string>>;

  constructor(code: status, message: string, trailers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.trailers = trailers;
  }

  /** The object grpc-js sends as the call's status. */
  toServiceError(): { code: status; details: string; metadata: Metadata } {
    const metadata = new Metadata();
    for (const [key, value] of Object.entries(this.trailers)) metadata.set(key, value);
    return { code: this.code, details: this.message, metadata };
  }
}

/** INVALID_ARGUMENT with a message. */
export function invalid(message: string): EmulatorError {
  return new EmulatorError(status.INVALID_ARGUMENT, message);
}

/** NOT_FOUND with a message. */
export function notFound(message: string): EmulatorError {
  return new EmulatorError(status.NOT_FOUND, message);
}

/** Turns anything thrown by a handler into the status to send; unexpected errors become INTERNAL. */
export function toEmulatorError(error: unknown): EmulatorError {
  if (error instanceof EmulatorError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const wrapped = new EmulatorError(status.INTERNAL, `internal error: ${message}`);
  (wrapped as { cause?: unknown }).cause = error;
  return wrapped;
}

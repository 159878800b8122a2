import { BinaryReader } from "@bufbuild/protobuf/wire";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import { CheckTailRequest } from "@retrykit/s2-proto";
import { type EmulatorError, invalid } from "./emulator-error.js";

const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
// Enough of a bad string to recognise it in a message, not a copy of a large field.
const SHOWN_BYTES = 32;

/** A string field of a request is not valid UTF-8 (which protobuf requires of strings). */
class InvalidUtf8Error extends Error {
  override readonly name = "InvalidUtf8Error";
  constructor(bytes: Uint8Array, cause: unknown) {
    const shown = Buffer.from(bytes.subarray(0, SHOWN_BYTES)).toString("hex");
    const more = bytes.length > SHOWN_BYTES ? `... (${bytes.length} bytes)` : "";
    super(`a string field is not valid UTF-8 (bytes ${shown}${more})`, { cause });
  }
}

// The generated decoders would put U+FFFD in place of invalid UTF-8 and go on: a stream name
// would be stored under another name than the client sent. Reading through this reader fails
// instead, for every string field of the message and of the messages nested in it.
function strictUtf8(bytes: Uint8Array): string {
  try {
    return strictDecoder.decode(bytes);
  } catch (error) {
    throw new InvalidUtf8Error(bytes, error);
  }
}

/**
 * Whether the generated decoders read through a reader handed to them: they do when they use the
 * same copy of `@bufbuild/protobuf` as this file (checked once, with a stream name that is not
 * UTF-8). Otherwise requests are decoded as before, leniently, rather than all refused.
 */
const strictReaderUsed = (() => {
  const notUtf8 = Uint8Array.of(0x0a, 0x01, 0xff);
  try {
    CheckTailRequest.decode(new BinaryReader(notUtf8, strictUtf8));
    return false;
  } catch (error) {
    return error instanceof InvalidUtf8Error;
  }
})();

/** A request that could not be decoded, in place of the request: its handler answers `error`. */
class MalformedRequest {
  readonly error: EmulatorError;

  constructor(path: string, cause: unknown) {
    const rpc = path.slice(path.lastIndexOf("/") + 1);
    const reason = cause instanceof Error ? cause.message : String(cause);
    const error =
      cause instanceof InvalidUtf8Error
        ? invalid(`${rpc} request: ${reason}`)
        : invalid(`${rpc} request is not a valid protobuf message: ${reason}`);
    this.error = Object.assign(error, { cause });
  }
}

/**
 * The service with request decoders that do not throw: grpc-js answers a request it cannot
 * decode with INTERNAL before any handler runs, while the fault is the client's. A request that
 * does not decode (or holds a string that is not UTF-8) reaches the handler as a placeholder that
 * {@link wellFormed} turns into INVALID_ARGUMENT; in a session, after the inputs before it.
 */
export function rejectingMalformed<S extends ServiceDefinition>(service: S): S {
  const wrapped: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [name, method] of Object.entries(service) as Array<
    [string, MethodDefinition<unknown, unknown>]
  >) {
    wrapped[name] = {
      ...method,
      requestDeserialize(buffer: Buffer): unknown {
        try {
          // The generated decoders take a reader in place of bytes.
          const input = strictReaderUsed ? new BinaryReader(buffer, strictUtf8) : buffer;
          return method.requestDeserialize(input as Buffer);
        } catch (error) {
          return new MalformedRequest(method.path, error);
        }
      },
    };
  }
  return wrapped as S;
}

/** The request, or its INVALID_ARGUMENT when it could not be decoded. */
export function wellFormed<T>(request: T): T {
  if (request instanceof MalformedRequest) throw request.error;
  return request;
}

/** The messages of a session, ending with INVALID_ARGUMENT at the first that could not be decoded. */
export async function* wellFormedEach<T>(messages: AsyncIterable<T>): AsyncGenerator<T, void> {
  for await (const message of messages) yield wellFormed(message);
}

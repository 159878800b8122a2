/**
 * S2's REST API v1 protobuf messages (`proto/s2/v1/s2.proto`, package `s2.v1`) as TypeScript, and
 * the `s2s/proto` session framing that carries them.
 *
 * These are the bodies of REST v1's `application/protobuf` representations (unary append and read)
 * and of append and read sessions. The names overlap with v1alpha's (`AppendInput`, `Header`, ...),
 * so they live in their own entry point: import from `@retrykit/s2-proto/v1`, or use the `v1`
 * namespace of `@retrykit/s2-proto`. 64-bit integers are `bigint`.
 *
 * @example
 * ```ts
 * import { AppendInput, encodeS2sMessage } from "@retrykit/s2-proto/v1";
 *
 * const frame = encodeS2sMessage(
 *   AppendInput.encode({ records: [{ headers: [], body: Buffer.from("hi") }] }).finish(),
 * );
 * ```
 *
 * @packageDocumentation
 */

export {
  AppendAck,
  AppendInput,
  AppendRecord,
  Header,
  type MessageFns,
  ReadBatch,
  SequencedRecord,
  StreamPosition,
} from "./generated/s2/v1/s2.js";
export * from "./s2s-frame.js";

/**
 * A local S2-compatible server: S2's REST API v1 (JSON, protobuf, SSE and s2s sessions, which S2's
 * official SDKs and CLI speak) and the gRPC API `s2.v1alpha`, over one model; in memory or
 * durable, with access tokens and seeded fault injection, for development, demos and tests.
 *
 * @example
 * ```ts
 * import { startEmulator } from "@retrykit/s2-emulator";
 *
 * const emulator = await startEmulator();
 * // REST: emulator.restEndpoint ("http://127.0.0.1:PORT") as the SDKs' account and basin endpoint
 * // gRPC: emulator.endpoint; name the basin with the `s2-basin` header
 * await emulator.close();
 * ```
 *
 * @packageDocumentation
 */

// Errors and limits.
export { EmulatorError } from "./emulator-error.js";
// Fault injection and call counting.
export {
  type CallFaultPlan,
  type FaultRule,
  type FaultRuleState,
  Faults,
  type FaultTrigger,
  parseFault,
  seededRandom,
} from "./faults.js";
export {
  DEFAULT_RETENTION_AGE_SECS,
  MAX_BATCH_BYTES,
  MAX_BATCH_RECORDS,
  MAX_LIST_LIMIT,
  meteredBytes,
} from "./limits.js";
export { type CallCounts, RPC_NAMES, type RpcName } from "./rpc-names.js";
// Starting and stopping.
export { type Emulator, type EmulatorOptions, startEmulator } from "./server.js";
// Recovery of a data directory.
export { type DamagedLog, LogDamageError } from "./storage/log-damage-error.js";
export type { TlsOptions } from "./tls.js";

/**
 * A local S2-compatible gRPC server (`s2.v1alpha`): in memory or durable, with seeded fault
 * injection, for development, demos and tests.
 *
 * @example
 * ```ts
 * import { startEmulator } from "@retrykit/s2-emulator";
 *
 * const emulator = await startEmulator();
 * // connect to emulator.endpoint; name the basin with the `s2-basin` header
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

// Errors

export { Basin } from "./basin.js";
export { type AppendInputsOptions, appendInputs, type LingerClock } from "./batcher.js";
export type { S2Options } from "./config.js";
// Endpoints
export {
  type BasinRoute,
  type Cloud,
  Endpoints,
  type EndpointsInit,
  type RestRoute,
  type TransportKind,
} from "./endpoints.js";
export {
  EXPECTED_FENCING_TOKEN_TRAILER,
  EXPECTED_SEQ_NUM_TRAILER,
  FencingTokenMismatchError,
  S2Error,
  type S2ErrorOptions,
  SeqNumMismatchError,
} from "./errors.js";
export { type Meterable, meteredBytes } from "./metered-bytes.js";
// Records, limits and batching
export {
  type AppendInput,
  type AppendOutput,
  AppendRecord,
  type Bytes,
  bodyText,
  type CommandName,
  type Header,
  headersText,
  isCommandRecord,
  type ReadLimit,
  type ReadStart,
  type SequencedRecord,
  Tail,
  type U64,
} from "./records.js";
// Retry observability
export type { S2GiveUpEvent, S2RetryEvent } from "./retry-events.js";
// Which RPC retries on which status code
export {
  type AppendRetryPolicy,
  type ConnectionFailure,
  connectionFailureOf,
  type IdempotencyLevel,
  RETRYABLE_CODES,
  type RetryableCode,
  RPC_IDEMPOTENCY,
  type Rpc,
  shouldRetry,
} from "./retry-table.js";
// The client
export { type IssueAccessTokenOptions, S2 } from "./s2.js";
export type {
  AccessTokenInfo,
  AccessTokenScope,
  BasinConfig,
  BasinInfo,
  BasinScope,
  BasinState,
  ListOptions,
  Operation,
  Page,
  ReadWritePermissions,
  ResourceSet,
  RetentionPolicy,
  StorageClass,
  StreamConfig,
  StreamInfo,
  TimestampingMode,
} from "./schemas.js";
export { OPERATIONS } from "./schemas.js";
export {
  type AppendSessionOptions,
  type ReadOptions,
  type ReadSessionOptions,
  Stream,
} from "./stream.js";
export type { CallOptions, ReadSessionProtocol } from "./transport/transport.js";
export {
  MAX_BATCH_BYTES,
  MAX_BATCH_RECORDS,
  MAX_FENCING_TOKEN_BYTES,
  MAX_LIST_LIMIT,
  ONE_MIB,
} from "./validate.js";

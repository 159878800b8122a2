/**
 * S2's v1alpha gRPC API as TypeScript: the messages, enums, grpc-js service definitions and clients
 * that ts-proto generates from `proto/s2/v1alpha/s2.proto`; and, under the `v1` namespace (or the
 * `@retrykit/s2-proto/v1` entry point), REST API v1's protobuf messages and s2s framing.
 *
 * 64-bit integers are `bigint`; proto3 `optional` fields keep their presence (`field?: T`), and
 * oneofs are unions tagged by `$case` (`{ $case: "seqNum", seqNum: 0n }`).
 *
 * @example
 * ```ts
 * import { credentials } from "@grpc/grpc-js";
 * import { StreamServiceClient } from "@retrykit/s2-proto";
 *
 * const client = new StreamServiceClient("127.0.0.1:4243", credentials.createInsecure());
 * ```
 *
 * @packageDocumentation
 */

// Common messages.
export { FieldMask } from "./generated/google/protobuf/field_mask.js";
// Encoding helpers shared by every generated message.
export type { MessageFns } from "./generated/s2/v1alpha/s2.js";
// Services: definitions for servers, constructors for clients.
// Enums.
// AccountService messages.
// BasinService messages.
// StreamService messages.
export {
  AccessTokenInfo,
  AccessTokenScope,
  AccountServiceClient,
  type AccountServiceServer,
  AccountServiceService,
  AppendInput,
  AppendOutput,
  AppendRecord,
  AppendRequest,
  AppendResponse,
  AppendSessionRequest,
  AppendSessionResponse,
  BasinConfig,
  BasinInfo,
  BasinScope,
  BasinServiceClient,
  type BasinServiceServer,
  BasinServiceService,
  BasinState,
  basinScopeFromJSON,
  basinScopeToJSON,
  basinStateFromJSON,
  basinStateToJSON,
  CheckTailRequest,
  CheckTailResponse,
  CreateBasinRequest,
  CreateBasinResponse,
  CreateStreamRequest,
  CreateStreamResponse,
  DeleteBasinRequest,
  DeleteBasinResponse,
  DeleteStreamRequest,
  DeleteStreamResponse,
  GetBasinConfigRequest,
  GetBasinConfigResponse,
  GetStreamConfigRequest,
  GetStreamConfigResponse,
  Header,
  IssueAccessTokenRequest,
  IssueAccessTokenResponse,
  ListAccessTokensRequest,
  ListAccessTokensResponse,
  ListBasinsRequest,
  ListBasinsResponse,
  ListStreamsRequest,
  ListStreamsResponse,
  Operation,
  operationFromJSON,
  operationToJSON,
  PermittedOperationGroups,
  ReadLimit,
  ReadOutput,
  ReadRequest,
  ReadResponse,
  ReadSessionRequest,
  ReadSessionResponse,
  ReadWritePermissions,
  ReconfigureBasinRequest,
  ReconfigureBasinResponse,
  ReconfigureStreamRequest,
  ReconfigureStreamResponse,
  ResourceSet,
  RevokeAccessTokenRequest,
  RevokeAccessTokenResponse,
  SequencedRecord,
  SequencedRecordBatch,
  StorageClass,
  StreamConfig,
  StreamConfig_DeleteOnEmpty,
  StreamConfig_InfiniteRetention,
  StreamConfig_Timestamping,
  StreamInfo,
  StreamServiceClient,
  type StreamServiceServer,
  StreamServiceService,
  storageClassFromJSON,
  storageClassToJSON,
  TimestampingMode,
  timestampingModeFromJSON,
  timestampingModeToJSON,
} from "./generated/s2/v1alpha/s2.js";
// REST API v1: its protobuf messages and the s2s session framing (also `@retrykit/s2-proto/v1`).
export * as v1 from "./v1.js";

/** The name of every RPC the emulator serves, as in its gRPC path `/s2.v1alpha.<Service>/<Rpc>`. */
export const RPC_NAMES = [
  "ListBasins",
  "CreateBasin",
  "DeleteBasin",
  "ReconfigureBasin",
  "GetBasinConfig",
  "IssueAccessToken",
  "RevokeAccessToken",
  "ListAccessTokens",
  "ListStreams",
  "CreateStream",
  "DeleteStream",
  "GetStreamConfig",
  "ReconfigureStream",
  "CheckTail",
  "Append",
  "AppendSession",
  "Read",
  "ReadSession",
] as const;

/** One RPC name, e.g. `"Append"`. */
export type RpcName = (typeof RPC_NAMES)[number];

/** Received calls per RPC, counted before authentication and fault injection. */
export type CallCounts = Record<RpcName, number>;

/** A counter with every RPC at zero. */
export function emptyCallCounts(): CallCounts {
  return Object.fromEntries(RPC_NAMES.map((name) => [name, 0])) as CallCounts;
}

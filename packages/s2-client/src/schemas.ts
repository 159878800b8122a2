/** Storage class of a stream: `"standard"` (< 500 ms end to end) or `"express"` (< 50 ms). */
export type StorageClass = "standard" | "express";

/** How record timestamps are chosen (§ timestamping in S2's documentation). */
export type TimestampingMode = "client-prefer" | "client-require" | "arrival";

/** Retention of a stream's records: trimmed after `ageSecs` seconds, or kept until trimmed. */
export type RetentionPolicy = { readonly ageSecs: number } | "infinite";

/** Configuration of a stream. Fields left out keep their current (or default) value. */
export interface StreamConfig {
  /** Storage class; the server treats "unspecified" as `"express"`. */
  readonly storageClass?: StorageClass;
  /** Retention policy; the server default is 7 days. */
  readonly retentionPolicy?: RetentionPolicy;
  /** Timestamping of appended records. */
  readonly timestamping?: {
    /** How timestamps are chosen. @default "client-prefer" */
    readonly mode?: TimestampingMode;
    /** Allow client timestamps later than the arrival time. */
    readonly uncapped?: boolean;
  };
  /** Delete the stream once it has been empty for `minAgeSecs` seconds (0 disables). */
  readonly deleteOnEmpty?: { readonly minAgeSecs: number };
}

/** Configuration of a basin. */
export interface BasinConfig {
  /** Configuration of streams created from now on (existing streams keep theirs). */
  readonly defaultStreamConfig?: StreamConfig;
  /** Create a missing stream when it is appended to. */
  readonly createStreamOnAppend?: boolean;
  /** Create a missing stream when it is read. */
  readonly createStreamOnRead?: boolean;
}

/** Lifecycle state of a basin. */
export type BasinState = "unspecified" | "active" | "creating" | "deleting";

/** Region of a basin. */
export type BasinScope = "unspecified" | "aws:us-east-1";

/** A basin, as listed or created. */
export interface BasinInfo {
  readonly name: string;
  readonly scope: BasinScope;
  readonly state: BasinState;
}

/** A stream, as listed or created. */
export interface StreamInfo {
  readonly name: string;
  /** Creation time. */
  readonly createdAt: Date;
  /** Set while the stream's deletion is in progress. */
  readonly deletedAt?: Date;
}

/** One page of a list call; pass the last name as `startAfter` for the next page. */
export interface Page<T> {
  readonly items: T[];
  readonly hasMore: boolean;
}

/** Options of the list calls. */
export interface ListOptions {
  /** Only names that begin with this prefix. @default "" */
  readonly prefix?: string;
  /** Only names after this one (the cursor of the next page). @default "" */
  readonly startAfter?: string;
  /** Page size, up to 1000. @default 1000 */
  readonly limit?: number;
  /** Cancels the call. */
  readonly signal?: AbortSignal;
}

/** A set of resources: one `exact` name (`""` matches nothing) or every name with a `prefix` (`""` matches all). */
export type ResourceSet = { readonly exact: string } | { readonly prefix: string };

/** Read and write permissions of an operation group. */
export interface ReadWritePermissions {
  readonly read?: boolean;
  readonly write?: boolean;
}

/** Operations an access token may be allowed. */
export type Operation =
  | "list-basins"
  | "create-basin"
  | "delete-basin"
  | "reconfigure-basin"
  | "get-basin-config"
  | "issue-access-token"
  | "revoke-access-token"
  | "list-access-tokens"
  | "list-streams"
  | "create-stream"
  | "delete-stream"
  | "get-stream-config"
  | "reconfigure-stream"
  | "check-tail"
  | "append"
  | "read"
  | "trim"
  | "fence"
  | "account-metrics"
  | "basin-metrics"
  | "stream-metrics";

/** Every {@link Operation}, in the order of the wire enum (`OPERATION_LIST_BASINS` = 1, ...). */
export const OPERATIONS: readonly Operation[] = [
  "list-basins",
  "create-basin",
  "delete-basin",
  "reconfigure-basin",
  "get-basin-config",
  "issue-access-token",
  "revoke-access-token",
  "list-access-tokens",
  "list-streams",
  "create-stream",
  "delete-stream",
  "get-stream-config",
  "reconfigure-stream",
  "check-tail",
  "append",
  "read",
  "trim",
  "fence",
  "account-metrics",
  "basin-metrics",
  "stream-metrics",
];

/** What an access token may do: on which resources, which operations. */
export interface AccessTokenScope {
  readonly basins?: ResourceSet;
  readonly streams?: ResourceSet;
  readonly accessTokens?: ResourceSet;
  /** Group grants; the effective permission is their union with `ops`. */
  readonly opGroups?: {
    readonly account?: ReadWritePermissions;
    readonly basin?: ReadWritePermissions;
    readonly stream?: ReadWritePermissions;
  };
  readonly ops?: readonly Operation[];
}

/** An access token's description (never the secret itself). */
export interface AccessTokenInfo {
  readonly id: string;
  readonly scope: AccessTokenScope;
  /** Expiry; when absent, the issuing token's expiry applies. */
  readonly expiresAt?: Date;
  /** Stream names are prefixed with the stream scope's prefix transparently. */
  readonly autoPrefixStreams: boolean;
}

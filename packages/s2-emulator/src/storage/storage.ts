import type { Header } from "@retrykit/s2-proto";
import type { RequestTokenAnswer } from "../model/request-tokens.js";
import type { DamagedLog } from "./log-damage-error.js";

/** One record as the emulator keeps it: the wire fields plus its arrival time (for retention). */
export interface StoredRecord {
  readonly seqNum: number;
  readonly timestamp: bigint;
  /** Milliseconds since the Unix epoch when the server received the record. */
  readonly arrivedAt: number;
  readonly headers: Header[];
  readonly body: Buffer;
}

/** A stream's durable description; its records live in the stream's log. */
export interface PersistedStream {
  /** Unique per incarnation, so a stream deleted and created again gets a fresh log. */
  readonly id: string;
  readonly name: string;
  readonly createdAt: number;
  /** `StreamConfig.toJSON` form. */
  readonly config: unknown;
}

/** A basin's durable description. */
export interface PersistedBasin {
  readonly name: string;
  readonly scope: number;
  readonly createdAt: number;
  /** `BasinConfig.toJSON` form. */
  readonly config: unknown;
  readonly streams: PersistedStream[];
}

/** An issued access token; only a hash of its secret is kept. */
export interface PersistedToken {
  /** `AccessTokenInfo.toJSON` form, with `expiresAt` always set. */
  readonly info: unknown;
  readonly secretHash: string;
}

/** Everything but the records. Written whole on every change of basins, streams or tokens. */
export interface MetadataSnapshot {
  readonly basins: PersistedBasin[];
  readonly tokens: PersistedToken[];
  /** Answers of recent creates by `s2-request-token` (absent in older snapshots). */
  readonly requestTokens?: RequestTokenAnswer[] | undefined;
}

/** What a storage hands back when it opens. */
export interface RecoveredState {
  readonly metadata: MetadataSnapshot | undefined;
  /** Records of every stream log, by stream id, in sequence order. */
  readonly records: Map<string, StoredRecord[]>;
  /** How many bytes of torn last frames (a crash in the middle of a write) were cut from logs. */
  readonly truncatedBytes: number;
  /** Logs damaged before their last frame that were cut at the damage (only when repairing). */
  readonly repairs: readonly DamagedLog[];
}

/**
 * Where the emulator makes its state durable. The emulator keeps the whole state in memory and
 * calls the storage before it answers: `append` resolves only once the batch is durable, so an
 * acknowledged append survives a crash.
 */
export interface Storage {
  /** Loads what was stored before (nothing, for a fresh storage). */
  open(): Promise<RecoveredState>;
  /** Makes a batch of records of one stream durable; appends of one stream never overlap. */
  append(streamId: string, records: readonly StoredRecord[]): Promise<void>;
  /** Replaces the stored metadata. */
  saveMetadata(snapshot: MetadataSnapshot): Promise<void>;
  /** Forgets a deleted stream's records. */
  dropStream(streamId: string): Promise<void>;
  /** Releases files; the storage is unusable afterwards. */
  close(): Promise<void>;
}

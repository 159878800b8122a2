import { randomUUID } from "node:crypto";
import { status } from "@grpc/grpc-js";
import {
  AccessTokenInfo,
  BasinConfig,
  type BasinScope,
  BasinState,
  StreamConfig,
} from "@retrykit/s2-proto";
import { normalizeBasinConfig, normalizeStreamConfig } from "../config.js";
import { EmulatorError, notFound } from "../emulator-error.js";
import type {
  MetadataSnapshot,
  RecoveredState,
  Storage,
  StoredRecord,
} from "../storage/storage.js";
import { RequestTokens } from "./request-tokens.js";
import { Stream } from "./stream.js";

/** A basin and its streams. */
export class Basin {
  readonly name: string;
  readonly scope: BasinScope;
  /** Unix seconds. */
  readonly createdAt: number;
  state: BasinState = BasinState.BASIN_STATE_ACTIVE;
  config: BasinConfig;
  readonly streams = new Map<string, Stream>();

  constructor(name: string, scope: BasinScope, createdAt: number, config: BasinConfig) {
    this.name = name;
    this.scope = scope;
    this.createdAt = createdAt;
    this.config = config;
  }
}

/** An issued access token. */
export interface IssuedToken {
  readonly info: AccessTokenInfo;
  readonly secretHash: string;
}

/** How a missing stream may be created on access. */
export type AutoCreate = "append" | "read" | undefined;

/**
 * The whole account: basins, streams and access tokens, held in memory and written through to a
 * {@link Storage}. Deleted basins and streams leave the stored metadata at once; they stay visible
 * in a deleting state for `deletionDelay` ms.
 */
export class Account {
  readonly basins = new Map<string, Basin>();
  readonly tokens = new Map<string, IssuedToken>();
  /** Answers of recent creates, for retries with the same `s2-request-token`. */
  readonly requestTokens = new RequestTokens();
  readonly storage: Storage;
  readonly #now: () => number;
  readonly #deletionDelay: number;
  readonly #timers = new Set<NodeJS.Timeout>();

  constructor(storage: Storage, now: () => number, deletionDelay: number) {
    this.storage = storage;
    this.#now = now;
    this.#deletionDelay = deletionDelay;
  }

  /** Current time, milliseconds since the Unix epoch. */
  now(): number {
    return this.#now();
  }

  /** Restores the account from what the storage recovered. */
  async load(): Promise<Pick<RecoveredState, "truncatedBytes" | "repairs">> {
    const recovered = await this.storage.open();
    const known = new Set<string>();
    for (const saved of recovered.metadata?.basins ?? []) {
      const basin = new Basin(
        saved.name,
        saved.scope,
        saved.createdAt,
        normalizeBasinConfig(BasinConfig.fromJSON(saved.config)),
      );
      for (const savedStream of saved.streams) {
        const stream = new Stream(
          savedStream.id,
          savedStream.name,
          savedStream.createdAt * 1000,
          normalizeStreamConfig(StreamConfig.fromJSON(savedStream.config)),
        );
        const records: StoredRecord[] = recovered.records.get(savedStream.id) ?? [];
        if (records.length > 0) {
          stream.commit(records);
          stream.lastWriteAt = records[records.length - 1]!.arrivedAt;
        }
        known.add(savedStream.id);
        basin.streams.set(stream.name, stream);
      }
      this.basins.set(basin.name, basin);
    }
    for (const token of recovered.metadata?.tokens ?? []) {
      const info = AccessTokenInfo.fromJSON(token.info);
      this.tokens.set(info.id, { info, secretHash: token.secretHash });
    }
    for (const answer of recovered.metadata?.requestTokens ?? []) {
      this.requestTokens.remember(answer, this.now());
    }
    // Logs of streams whose deletion was acknowledged before the crash.
    for (const id of recovered.records.keys()) {
      if (!known.has(id)) await this.storage.dropStream(id);
    }
    return { truncatedBytes: recovered.truncatedBytes, repairs: recovered.repairs };
  }

  /** Writes the metadata (basins, streams, tokens) through to storage. */
  persist(): Promise<void> {
    return this.storage.saveMetadata(this.snapshot());
  }

  /** The durable form of the metadata; basins and streams being deleted are left out. */
  snapshot(): MetadataSnapshot {
    const basins = [...this.basins.values()]
      .filter((basin) => basin.state !== BasinState.BASIN_STATE_DELETING)
      .map((basin) => ({
        name: basin.name,
        scope: basin.scope,
        createdAt: basin.createdAt,
        config: BasinConfig.toJSON(basin.config),
        streams: [...basin.streams.values()]
          .filter((stream) => stream.deletedAt === undefined)
          .map((stream) => ({
            id: stream.id,
            name: stream.name,
            createdAt: stream.createdAt,
            config: StreamConfig.toJSON(stream.config),
          })),
      }));
    const tokens = [...this.tokens.values()].map((token) => ({
      info: AccessTokenInfo.toJSON(token.info),
      secretHash: token.secretHash,
    }));
    return { basins, tokens, requestTokens: this.requestTokens.list() };
  }

  /** The basin, or NOT_FOUND; FAILED_PRECONDITION while it is being deleted, unless allowed. */
  basin(name: string, allowDeleting = false): Basin {
    const basin = this.basins.get(name);
    if (basin === undefined) throw notFound(`basin ${JSON.stringify(name)} does not exist`);
    if (!allowDeleting && basin.state === BasinState.BASIN_STATE_DELETING) {
      throw new EmulatorError(
        status.FAILED_PRECONDITION,
        `basin ${JSON.stringify(name)} is being deleted`,
      );
    }
    return basin;
  }

  /** The stream with retention and delete-on-empty applied; created on access when allowed. */
  async stream(basin: Basin, name: string, autoCreate: AutoCreate = undefined): Promise<Stream> {
    const now = this.now();
    let stream = basin.streams.get(name);
    if (stream !== undefined && stream.deletedAt === undefined) {
      stream.expire(now);
      if (stream.isEmptyAndIdle(now)) {
        // Deletion is already visible in memory; a failure to persist it is retried by the next write.
        this.deleteStream(basin, stream).catch(() => {});
        stream = undefined;
      }
    }
    if (stream?.deletedAt !== undefined) {
      throw new EmulatorError(
        status.FAILED_PRECONDITION,
        `stream ${JSON.stringify(name)} is being deleted`,
      );
    }
    if (stream !== undefined) return stream;
    const allowed =
      (autoCreate === "append" && basin.config.createStreamOnAppend) ||
      (autoCreate === "read" && basin.config.createStreamOnRead);
    if (!allowed) throw notFound(`stream ${JSON.stringify(name)} does not exist`);
    return this.createStream(basin, name, basin.config.defaultStreamConfig);
  }

  /**
   * Creates a stream (the caller has checked that the name is free). `beforePersist` runs once the
   * stream exists and before the metadata is written, so what it records is made durable with it.
   */
  async createStream(
    basin: Basin,
    name: string,
    config: StreamConfig | undefined,
    beforePersist?: (stream: Stream) => void,
  ): Promise<Stream> {
    const stream = new Stream(randomUUID(), name, this.now(), normalizeStreamConfig(config));
    basin.streams.set(name, stream);
    beforePersist?.(stream);
    // The stream is visible at once: appends that find it now must wait for this write.
    const written = this.persist();
    stream.namedBy(written, () => this.persist());
    await written;
    return stream;
  }

  /** Starts deleting a stream: marked at once, removed after the deletion delay. */
  deleteStream(basin: Basin, stream: Stream): Promise<void> {
    stream.deletedAt = Math.floor(this.now() / 1000);
    stream.wakeAll();
    this.#later(() => {
      if (basin.streams.get(stream.name) === stream) basin.streams.delete(stream.name);
    });
    return this.persist().then(() => this.storage.dropStream(stream.id));
  }

  /** Starts deleting a basin and all its streams. */
  async deleteBasin(basin: Basin): Promise<void> {
    basin.state = BasinState.BASIN_STATE_DELETING;
    for (const stream of basin.streams.values()) {
      stream.deletedAt ??= Math.floor(this.now() / 1000);
      stream.wakeAll();
    }
    this.#later(() => {
      if (this.basins.get(basin.name) === basin) this.basins.delete(basin.name);
    });
    await this.persist();
    for (const stream of basin.streams.values()) await this.storage.dropStream(stream.id);
  }

  /** Cancels pending deletions' timers (they are finished at once) before shutdown. */
  finishPendingDeletions(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
  }

  #later(task: () => void): void {
    if (this.#deletionDelay <= 0) {
      task();
      return;
    }
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      task();
    }, this.#deletionDelay);
    timer.unref();
    this.#timers.add(timer);
  }
}

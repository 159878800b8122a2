import * as proto from "@retrykit/s2-proto";
import type { AppendInput, AppendOutput, Header, SequencedRecord } from "./records.js";
import type {
  AccessTokenInfo,
  AccessTokenScope,
  BasinConfig,
  BasinInfo,
  BasinScope,
  BasinState,
  Operation,
  ResourceSet,
  StorageClass,
  StreamConfig,
  StreamInfo,
  TimestampingMode,
} from "./schemas.js";
import { OPERATIONS } from "./schemas.js";
import { show, toU64 } from "./validate.js";

// Generated messages declare bytes as Buffer; encoding only needs a Uint8Array, so records are
// passed through without copying.
const asBuffer = (bytes: Uint8Array): Buffer => bytes as Buffer;

// Most records have no headers: they share one frozen empty array instead of allocating their own
// (the encoder only reads it).
const NO_HEADERS: proto.Header[] = Object.freeze([]) as unknown as proto.Header[];

const STORAGE_CLASS: Record<StorageClass, proto.StorageClass> = {
  standard: proto.StorageClass.STORAGE_CLASS_STANDARD,
  express: proto.StorageClass.STORAGE_CLASS_EXPRESS,
};
const TIMESTAMPING_MODE: Record<TimestampingMode, proto.TimestampingMode> = {
  "client-prefer": proto.TimestampingMode.TIMESTAMPING_MODE_CLIENT_PREFER,
  "client-require": proto.TimestampingMode.TIMESTAMPING_MODE_CLIENT_REQUIRE,
  arrival: proto.TimestampingMode.TIMESTAMPING_MODE_ARRIVAL,
};

function invert<K extends string, V>(table: Record<K, V>): Map<V, K> {
  return new Map(Object.entries(table).map(([k, v]) => [v as V, k as K]));
}
const STORAGE_CLASS_NAME = invert(STORAGE_CLASS);
const TIMESTAMPING_MODE_NAME = invert(TIMESTAMPING_MODE);

function positiveSeconds(value: unknown, parameter: string, allowZero: boolean): bigint {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new RangeError(
      `${parameter} must be ${allowZero ? "a non-negative" : "a positive"} integer number of seconds, got ${show(value)}`,
    );
  }
  return BigInt(value);
}

/** A stream configuration as a message, with the field-mask paths of the fields that were given. */
export function streamConfigToWire(
  config: StreamConfig | undefined,
  parameter = "config",
  pathPrefix = "",
): { message: proto.StreamConfig; mask: string[] } {
  const message: proto.StreamConfig = {
    storageClass: proto.StorageClass.STORAGE_CLASS_UNSPECIFIED,
  };
  const mask: string[] = [];
  if (config === undefined) return { message, mask };
  if (typeof config !== "object" || config === null) {
    throw new TypeError(`${parameter} must be a stream config object, got ${show(config)}`);
  }
  if (config.storageClass !== undefined) {
    const value = STORAGE_CLASS[config.storageClass];
    if (value === undefined) {
      throw new RangeError(
        `${parameter}.storageClass must be "standard" or "express", got ${show(config.storageClass)}`,
      );
    }
    message.storageClass = value;
    mask.push(`${pathPrefix}storage_class`);
  }
  if (config.retentionPolicy !== undefined) {
    const policy = config.retentionPolicy;
    if (policy === "infinite") message.retentionPolicy = { $case: "infinite", infinite: {} };
    else if (typeof policy === "object" && policy !== null) {
      const age = positiveSeconds(policy.ageSecs, `${parameter}.retentionPolicy.ageSecs`, false);
      message.retentionPolicy = { $case: "age", age };
    } else {
      throw new TypeError(
        `${parameter}.retentionPolicy must be { ageSecs } or "infinite", got ${show(policy)}`,
      );
    }
    mask.push(`${pathPrefix}retention_policy`);
  }
  if (config.timestamping !== undefined) {
    const { mode, uncapped } = config.timestamping;
    const timestamping: proto.StreamConfig_Timestamping = {
      mode: proto.TimestampingMode.TIMESTAMPING_MODE_UNSPECIFIED,
    };
    if (mode !== undefined) {
      const value = TIMESTAMPING_MODE[mode];
      if (value === undefined) {
        throw new RangeError(
          `${parameter}.timestamping.mode must be "client-prefer", "client-require" or "arrival", got ${show(mode)}`,
        );
      }
      timestamping.mode = value;
      mask.push(`${pathPrefix}timestamping.mode`);
    }
    if (uncapped !== undefined) {
      if (typeof uncapped !== "boolean") {
        throw new TypeError(
          `${parameter}.timestamping.uncapped must be a boolean, got ${show(uncapped)}`,
        );
      }
      timestamping.uncapped = uncapped;
      mask.push(`${pathPrefix}timestamping.uncapped`);
    }
    message.timestamping = timestamping;
  }
  if (config.deleteOnEmpty !== undefined) {
    const minAgeSecs = positiveSeconds(
      config.deleteOnEmpty?.minAgeSecs,
      `${parameter}.deleteOnEmpty.minAgeSecs`,
      true,
    );
    message.deleteOnEmpty = { minAgeSecs };
    mask.push(`${pathPrefix}delete_on_empty.min_age_secs`);
  }
  return { message, mask };
}

/** A stream configuration message as the public shape. */
export function streamConfigFromWire(message: proto.StreamConfig | undefined): StreamConfig {
  if (message === undefined) return {};
  const config: {
    storageClass?: StorageClass;
    retentionPolicy?: StreamConfig["retentionPolicy"];
    timestamping?: { mode?: TimestampingMode; uncapped?: boolean };
    deleteOnEmpty?: { minAgeSecs: number };
  } = {};
  const storageClass = STORAGE_CLASS_NAME.get(message.storageClass);
  if (storageClass !== undefined) config.storageClass = storageClass;
  const policy = message.retentionPolicy;
  if (policy?.$case === "age") config.retentionPolicy = { ageSecs: Number(policy.age) };
  else if (policy?.$case === "infinite") config.retentionPolicy = "infinite";
  if (message.timestamping !== undefined) {
    const timestamping: { mode?: TimestampingMode; uncapped?: boolean } = {};
    const mode = TIMESTAMPING_MODE_NAME.get(message.timestamping.mode);
    if (mode !== undefined) timestamping.mode = mode;
    if (message.timestamping.uncapped !== undefined)
      timestamping.uncapped = message.timestamping.uncapped;
    config.timestamping = timestamping;
  }
  if (message.deleteOnEmpty !== undefined) {
    config.deleteOnEmpty = { minAgeSecs: Number(message.deleteOnEmpty.minAgeSecs) };
  }
  return config;
}

/** A basin configuration as a message, with the field-mask paths of the fields that were given. */
export function basinConfigToWire(
  config: BasinConfig | undefined,
  parameter = "config",
): { message: proto.BasinConfig; mask: string[] } {
  const message: proto.BasinConfig = { createStreamOnAppend: false, createStreamOnRead: false };
  const mask: string[] = [];
  if (config === undefined) return { message, mask };
  if (typeof config !== "object" || config === null) {
    throw new TypeError(`${parameter} must be a basin config object, got ${show(config)}`);
  }
  if (config.defaultStreamConfig !== undefined) {
    const stream = streamConfigToWire(
      config.defaultStreamConfig,
      `${parameter}.defaultStreamConfig`,
      "default_stream_config.",
    );
    message.defaultStreamConfig = stream.message;
    mask.push(...stream.mask);
  }
  for (const [key, path] of [
    ["createStreamOnAppend", "create_stream_on_append"],
    ["createStreamOnRead", "create_stream_on_read"],
  ] as const) {
    const value = config[key];
    if (value === undefined) continue;
    if (typeof value !== "boolean")
      throw new TypeError(`${parameter}.${key} must be a boolean, got ${show(value)}`);
    message[key] = value;
    mask.push(path);
  }
  return { message, mask };
}

/** A basin configuration message as the public shape. */
export function basinConfigFromWire(message: proto.BasinConfig | undefined): BasinConfig {
  return {
    defaultStreamConfig: streamConfigFromWire(message?.defaultStreamConfig),
    createStreamOnAppend: message?.createStreamOnAppend ?? false,
    createStreamOnRead: message?.createStreamOnRead ?? false,
  };
}

const BASIN_STATE: Record<number, BasinState> = {
  [proto.BasinState.BASIN_STATE_ACTIVE]: "active",
  [proto.BasinState.BASIN_STATE_CREATING]: "creating",
  [proto.BasinState.BASIN_STATE_DELETING]: "deleting",
};

/** A basin info message as the public shape. */
export function basinInfoFromWire(message: proto.BasinInfo | undefined): BasinInfo {
  const scope: BasinScope =
    message?.scope === proto.BasinScope.BASIN_SCOPE_AWS_US_EAST_1 ? "aws:us-east-1" : "unspecified";
  return {
    name: message?.name ?? "",
    scope,
    state: BASIN_STATE[message?.state ?? 0] ?? "unspecified",
  };
}

/** A stream info message as the public shape. */
export function streamInfoFromWire(message: proto.StreamInfo | undefined): StreamInfo {
  const info: { name: string; createdAt: Date; deletedAt?: Date } = {
    name: message?.name ?? "",
    createdAt: new Date((message?.createdAt ?? 0) * 1000),
  };
  if (message?.deletedAt !== undefined) info.deletedAt = new Date(message.deletedAt * 1000);
  return info;
}

function resourceSetToWire(
  set: ResourceSet | undefined,
  parameter: string,
): proto.ResourceSet | undefined {
  if (set === undefined) return undefined;
  if (typeof set === "object" && set !== null) {
    if ("exact" in set && typeof set.exact === "string")
      return { matching: { $case: "exact", exact: set.exact } };
    if ("prefix" in set && typeof set.prefix === "string")
      return { matching: { $case: "prefix", prefix: set.prefix } };
  }
  throw new TypeError(`${parameter} must be { exact } or { prefix }, got ${show(set)}`);
}

function resourceSetFromWire(set: proto.ResourceSet | undefined): ResourceSet | undefined {
  const matching = set?.matching;
  if (matching?.$case === "exact") return { exact: matching.exact };
  if (matching?.$case === "prefix") return { prefix: matching.prefix };
  return undefined;
}

/** Access token settings as a message. */
export function accessTokenInfoToWire(
  id: string,
  scope: AccessTokenScope,
  options: { expiresAt?: Date; autoPrefixStreams?: boolean },
): proto.AccessTokenInfo {
  if (typeof scope !== "object" || scope === null)
    throw new TypeError(`scope must be an object, got ${show(scope)}`);
  const ops = (scope.ops ?? []).map((op, i) => {
    const index = OPERATIONS.indexOf(op);
    if (index < 0)
      throw new RangeError(
        `scope.ops[${i}] must be an operation name such as "append", got ${show(op)}`,
      );
    return (index + 1) as proto.Operation;
  });
  const rw = (value: { read?: boolean; write?: boolean } | undefined) =>
    value === undefined ? undefined : { read: value.read === true, write: value.write === true };
  const info: proto.AccessTokenInfo = {
    id,
    autoPrefixStreams: options.autoPrefixStreams === true,
    scope: {
      basins: resourceSetToWire(scope.basins, "scope.basins"),
      streams: resourceSetToWire(scope.streams, "scope.streams"),
      accessTokens: resourceSetToWire(scope.accessTokens, "scope.accessTokens"),
      opGroups:
        scope.opGroups === undefined
          ? undefined
          : {
              account: rw(scope.opGroups.account),
              basin: rw(scope.opGroups.basin),
              stream: rw(scope.opGroups.stream),
            },
      ops,
    },
  };
  if (options.expiresAt !== undefined) {
    const time = options.expiresAt instanceof Date ? options.expiresAt.getTime() : Number.NaN;
    if (!Number.isFinite(time) || time < 0 || time / 1000 > 2 ** 32 - 1) {
      throw new RangeError(`expiresAt must be a valid Date, got ${show(options.expiresAt)}`);
    }
    info.expiresAt = Math.floor(time / 1000);
  }
  return info;
}

/** An access token info message as the public shape. */
export function accessTokenInfoFromWire(
  message: proto.AccessTokenInfo | undefined,
): AccessTokenInfo {
  const scope = message?.scope;
  const groups = scope?.opGroups;
  const rw = (value: proto.ReadWritePermissions | undefined) =>
    value === undefined ? undefined : { read: value.read, write: value.write };
  const publicScope: {
    basins?: ResourceSet;
    streams?: ResourceSet;
    accessTokens?: ResourceSet;
    opGroups?: AccessTokenScope["opGroups"];
    ops: Operation[];
  } = {
    ops: (scope?.ops ?? [])
      .map((op) => OPERATIONS[op - 1])
      .filter((op): op is Operation => op !== undefined),
  };
  const basins = resourceSetFromWire(scope?.basins);
  if (basins) publicScope.basins = basins;
  const streams = resourceSetFromWire(scope?.streams);
  if (streams) publicScope.streams = streams;
  const accessTokens = resourceSetFromWire(scope?.accessTokens);
  if (accessTokens) publicScope.accessTokens = accessTokens;
  if (groups)
    publicScope.opGroups = {
      account: rw(groups.account),
      basin: rw(groups.basin),
      stream: rw(groups.stream),
    };
  const info: {
    id: string;
    scope: AccessTokenScope;
    autoPrefixStreams: boolean;
    expiresAt?: Date;
  } = {
    id: message?.id ?? "",
    scope: publicScope,
    autoPrefixStreams: message?.autoPrefixStreams ?? false,
  };
  if (message?.expiresAt !== undefined) info.expiresAt = new Date(message.expiresAt * 1000);
  return info;
}

/** An append batch as a message (the input was validated already). */
export function appendInputToWire(stream: string, input: AppendInput): proto.AppendInput {
  const records: proto.AppendRecord[] = new Array(input.records.length);
  for (let i = 0; i < input.records.length; i++) {
    const record = input.records[i]!;
    const headers = record.headers;
    const message: proto.AppendRecord = {
      headers:
        headers === undefined || headers.length === 0
          ? NO_HEADERS
          : headers.map(([name, value]) => ({ name: asBuffer(name), value: asBuffer(value) })),
      body: asBuffer(record.body),
    };
    if (record.timestamp !== undefined) message.timestamp = BigInt(record.timestamp);
    records[i] = message;
  }
  const message: proto.AppendInput = { stream, records };
  if (input.matchSeqNum !== undefined)
    message.matchSeqNum = toU64(input.matchSeqNum, "matchSeqNum");
  if (input.fencingToken !== undefined) message.fencingToken = input.fencingToken;
  return message;
}

/** An append output message as the public shape. */
export function appendOutputFromWire(message: proto.AppendOutput | undefined): AppendOutput {
  return {
    startSeqNum: message?.startSeqNum ?? 0n,
    endSeqNum: message?.endSeqNum ?? 0n,
    nextSeqNum: message?.nextSeqNum ?? 0n,
    startTimestamp: message?.startTimestamp ?? 0n,
    endTimestamp: message?.endTimestamp ?? 0n,
    lastTimestamp: message?.lastTimestamp ?? 0n,
  };
}

/**
 * Records of a read batch as the public shape, without command records if asked. A decoded record
 * already has the public shape but for its headers (`{ name, value }` objects instead of pairs), and
 * nothing else holds it once decoded: it is converted in place rather than copied, which spares an
 * object per record read (the read path's main cost besides decoding). Progress accounting reads
 * the batch before this runs.
 */
export function sequencedRecordsFromWire(
  batch: proto.SequencedRecordBatch,
  ignoreCommandRecords: boolean,
): SequencedRecord[] {
  const records = batch.records as unknown as Array<{ headers: readonly Header[] }>;
  const wireRecords = batch.records;
  // Created only when a record is left out; until then the batch's own array is the result.
  let kept: SequencedRecord[] | undefined;
  for (let i = 0; i < wireRecords.length; i++) {
    const wireHeaders = (wireRecords[i] as proto.SequencedRecord).headers;
    if (wireHeaders.length > 0) {
      // A command record has exactly one header, with an empty name.
      if (ignoreCommandRecords && wireHeaders.length === 1 && wireHeaders[0]?.name.length === 0) {
        kept ??= records.slice(0, i) as unknown as SequencedRecord[];
        continue;
      }
      const pairs: Header[] = new Array(wireHeaders.length);
      for (let h = 0; h < wireHeaders.length; h++) {
        const header = wireHeaders[h] as proto.Header;
        pairs[h] = [header.name, header.value];
      }
      (records[i] as { headers: readonly Header[] }).headers = pairs;
    }
    kept?.push(records[i] as unknown as SequencedRecord);
  }
  return kept ?? (records as unknown as SequencedRecord[]);
}

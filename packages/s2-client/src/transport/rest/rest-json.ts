import * as proto from "@retrykit/s2-proto";
import { OPERATIONS } from "../../schemas.js";

/** A JSON object as sent or received. @internal */
export type Json = Record<string, unknown>;

const STORAGE_CLASS_JSON: Record<number, string> = {
  [proto.StorageClass.STORAGE_CLASS_STANDARD]: "standard",
  [proto.StorageClass.STORAGE_CLASS_EXPRESS]: "express",
};
const TIMESTAMPING_JSON: Record<number, string> = {
  [proto.TimestampingMode.TIMESTAMPING_MODE_CLIENT_PREFER]: "client-prefer",
  [proto.TimestampingMode.TIMESTAMPING_MODE_CLIENT_REQUIRE]: "client-require",
  [proto.TimestampingMode.TIMESTAMPING_MODE_ARRIVAL]: "arrival",
};
const STORAGE_CLASS_MESSAGE = new Map(
  Object.entries(STORAGE_CLASS_JSON).map(([k, v]) => [v, Number(k) as proto.StorageClass]),
);
const TIMESTAMPING_MESSAGE = new Map(
  Object.entries(TIMESTAMPING_JSON).map(([k, v]) => [v, Number(k) as proto.TimestampingMode]),
);

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

// u64 values travel as JSON numbers; S2's values (sequence numbers, milliseconds, seconds) stay
// far below 2^53, so a number is exact.
const u64 = (value: unknown): bigint =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : 0n;

/**
 * A stream configuration message as REST JSON: with `mask`, only the masked fields (a
 * reconfiguration); without, the fields the message sets.
 */
export function streamConfigJson(
  message: proto.StreamConfig | undefined,
  mask?: readonly string[],
  prefix = "",
): Json {
  const json: Json = {};
  if (message === undefined) return json;
  const has = (path: string) =>
    mask === undefined ? undefined : mask.includes(prefix + path) || undefined;
  const storage = STORAGE_CLASS_JSON[message.storageClass];
  if (has("storage_class") ?? storage !== undefined) json.storage_class = storage ?? null;
  const retention = message.retentionPolicy;
  if (has("retention_policy") ?? retention !== undefined) {
    json.retention_policy =
      retention === undefined
        ? null
        : retention.$case === "infinite"
          ? { infinite: {} }
          : { age: Number(retention.age) };
  }
  const timestamping: Json = {};
  const mode = TIMESTAMPING_JSON[message.timestamping?.mode ?? 0];
  if (has("timestamping.mode") ?? mode !== undefined) timestamping.mode = mode ?? null;
  const uncapped = message.timestamping?.uncapped;
  if (has("timestamping.uncapped") ?? uncapped !== undefined)
    timestamping.uncapped = uncapped ?? null;
  if (Object.keys(timestamping).length > 0) json.timestamping = timestamping;
  const deleteOnEmpty = message.deleteOnEmpty;
  if (has("delete_on_empty.min_age_secs") ?? deleteOnEmpty !== undefined) {
    json.delete_on_empty =
      deleteOnEmpty === undefined ? null : { min_age_secs: Number(deleteOnEmpty.minAgeSecs) };
  }
  return json;
}

/** A REST JSON stream configuration as a message. */
export function streamConfigMessage(json: unknown): proto.StreamConfig | undefined {
  if (!isObject(json)) return undefined;
  const message: proto.StreamConfig = {
    storageClass:
      STORAGE_CLASS_MESSAGE.get(json.storage_class as string) ??
      proto.StorageClass.STORAGE_CLASS_UNSPECIFIED,
  };
  const retention = json.retention_policy;
  if (isObject(retention)) {
    if (isObject(retention.infinite)) message.retentionPolicy = { $case: "infinite", infinite: {} };
    else if (retention.age !== undefined)
      message.retentionPolicy = { $case: "age", age: u64(retention.age) };
  }
  if (isObject(json.timestamping)) {
    message.timestamping = {
      mode:
        TIMESTAMPING_MESSAGE.get(json.timestamping.mode as string) ??
        proto.TimestampingMode.TIMESTAMPING_MODE_UNSPECIFIED,
    };
    if (typeof json.timestamping.uncapped === "boolean")
      message.timestamping.uncapped = json.timestamping.uncapped;
  }
  if (isObject(json.delete_on_empty))
    message.deleteOnEmpty = { minAgeSecs: u64(json.delete_on_empty.min_age_secs) };
  return message;
}

/** A basin configuration message as REST JSON (a reconfiguration when `mask` is given). */
export function basinConfigJson(
  message: proto.BasinConfig | undefined,
  mask?: readonly string[],
): Json {
  const json: Json = {};
  if (message === undefined) return json;
  const streamConfig = streamConfigJson(
    message.defaultStreamConfig,
    mask,
    "default_stream_config.",
  );
  if (Object.keys(streamConfig).length > 0) json.default_stream_config = streamConfig;
  if (mask === undefined || mask.includes("create_stream_on_append"))
    json.create_stream_on_append = message.createStreamOnAppend;
  if (mask === undefined || mask.includes("create_stream_on_read"))
    json.create_stream_on_read = message.createStreamOnRead;
  return json;
}

/** A REST JSON basin configuration as a message. */
export function basinConfigMessage(json: unknown): proto.BasinConfig {
  const body = isObject(json) ? json : {};
  return {
    defaultStreamConfig: streamConfigMessage(body.default_stream_config),
    createStreamOnAppend: body.create_stream_on_append === true,
    createStreamOnRead: body.create_stream_on_read === true,
  };
}

const seconds = (value: unknown): number | undefined => {
  if (typeof value !== "string") return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : Math.floor(ms / 1000);
};

/** A REST JSON `BasinInfo` as a message. */
export function basinInfoMessage(json: unknown): proto.BasinInfo {
  const body = isObject(json) ? json : {};
  const deleting = body.state === "deleting" || typeof body.deleted_at === "string";
  return {
    name: typeof body.name === "string" ? body.name : "",
    state: deleting ? proto.BasinState.BASIN_STATE_DELETING : proto.BasinState.BASIN_STATE_ACTIVE,
    scope: proto.BasinScope.BASIN_SCOPE_UNSPECIFIED,
  };
}

/** A REST JSON `StreamInfo` as a message. */
export function streamInfoMessage(json: unknown): proto.StreamInfo {
  const body = isObject(json) ? json : {};
  const info: proto.StreamInfo = {
    name: typeof body.name === "string" ? body.name : "",
    createdAt: seconds(body.created_at) ?? 0,
  };
  const deletedAt = seconds(body.deleted_at);
  if (deletedAt !== undefined) info.deletedAt = deletedAt;
  return info;
}

const resourceSetJson = (set: proto.ResourceSet | undefined) => {
  const matching = set?.matching;
  if (matching === undefined) return undefined;
  return matching.$case === "exact" ? { exact: matching.exact } : { prefix: matching.prefix };
};

const resourceSetMessage = (json: unknown): proto.ResourceSet | undefined => {
  if (!isObject(json)) return undefined;
  if (typeof json.exact === "string") return { matching: { $case: "exact", exact: json.exact } };
  if (typeof json.prefix === "string")
    return { matching: { $case: "prefix", prefix: json.prefix } };
  return undefined;
};

const permissions = (json: unknown): proto.ReadWritePermissions | undefined =>
  isObject(json) ? { read: json.read === true, write: json.write === true } : undefined;

/** An access token's settings as the REST `IssueAccessTokenRequest`. */
export function issueAccessTokenJson(info: proto.AccessTokenInfo | undefined): Json {
  const scope = info?.scope;
  const groups = scope?.opGroups;
  const rw = (value: proto.ReadWritePermissions | undefined) =>
    value === undefined ? undefined : { read: value.read, write: value.write };
  const json: Json = {
    id: info?.id ?? "",
    auto_prefix_streams: info?.autoPrefixStreams ?? false,
    scope: {
      basins: resourceSetJson(scope?.basins),
      streams: resourceSetJson(scope?.streams),
      access_tokens: resourceSetJson(scope?.accessTokens),
      op_groups:
        groups === undefined
          ? undefined
          : { account: rw(groups.account), basin: rw(groups.basin), stream: rw(groups.stream) },
      ops: (scope?.ops ?? []).map((op) => OPERATIONS[op - 1]),
    },
  };
  if (info?.expiresAt !== undefined)
    json.expires_at = new Date(info.expiresAt * 1000).toISOString();
  return json;
}

/** A REST JSON `AccessTokenInfo` as a message. */
export function accessTokenInfoMessage(json: unknown): proto.AccessTokenInfo {
  const body = isObject(json) ? json : {};
  const scope = isObject(body.scope) ? body.scope : {};
  const groups = isObject(scope.op_groups) ? scope.op_groups : undefined;
  const ops = Array.isArray(scope.ops) ? scope.ops : [];
  const info: proto.AccessTokenInfo = {
    id: typeof body.id === "string" ? body.id : "",
    autoPrefixStreams: body.auto_prefix_streams === true,
    scope: {
      basins: resourceSetMessage(scope.basins),
      streams: resourceSetMessage(scope.streams),
      accessTokens: resourceSetMessage(scope.access_tokens),
      opGroups:
        groups === undefined
          ? undefined
          : {
              account: permissions(groups.account),
              basin: permissions(groups.basin),
              stream: permissions(groups.stream),
            },
      ops: ops
        .map((op) => OPERATIONS.indexOf(op as (typeof OPERATIONS)[number]) + 1)
        .filter((op) => op > 0) as proto.Operation[],
    },
  };
  const expiresAt = seconds(body.expires_at);
  if (expiresAt !== undefined) info.expiresAt = expiresAt;
  return info;
}

/** A REST JSON `{ tail: { seq_num, timestamp } }` (or a bare position) as its two numbers. */
export function tailOf(json: unknown): { seqNum: bigint; timestamp: bigint } {
  const body = isObject(json) ? json : {};
  const tail = isObject(body.tail) ? body.tail : body;
  return { seqNum: u64(tail.seq_num), timestamp: u64(tail.timestamp) };
}

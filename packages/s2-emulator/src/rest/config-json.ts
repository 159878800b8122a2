import {
  type BasinConfig,
  StorageClass,
  type StreamConfig,
  TimestampingMode,
} from "@retrykit/s2-proto";
import { boolean, type JsonObject, object, oneOf, optional, u64 } from "./json-check.js";
import { invalidInput } from "./rest-error.js";

const STORAGE_CLASSES = {
  standard: StorageClass.STORAGE_CLASS_STANDARD,
  express: StorageClass.STORAGE_CLASS_EXPRESS,
} as const;
const TIMESTAMPING_MODES = {
  "client-prefer": TimestampingMode.TIMESTAMPING_MODE_CLIENT_PREFER,
  "client-require": TimestampingMode.TIMESTAMPING_MODE_CLIENT_REQUIRE,
  arrival: TimestampingMode.TIMESTAMPING_MODE_ARRIVAL,
} as const;
const storageClass = oneOf(Object.keys(STORAGE_CLASSES) as (keyof typeof STORAGE_CLASSES)[]);
const timestampingMode = oneOf(
  Object.keys(TIMESTAMPING_MODES) as (keyof typeof TIMESTAMPING_MODES)[],
);
const cipher = oneOf(["aegis-256", "aes-256-gcm"]);

function nameOf<T extends Record<string, number>>(values: T, value: number): keyof T | null {
  for (const [name, number] of Object.entries(values)) if (number === value) return name;
  return null;
}

/** A stored (normalized) stream configuration as REST v1 JSON, fully resolved. */
export function streamConfigToJson(config: StreamConfig | undefined): JsonObject {
  const retention = config?.retentionPolicy;
  return {
    storage_class: nameOf(STORAGE_CLASSES, config?.storageClass ?? 0) ?? "express",
    retention_policy:
      retention?.$case === "infinite"
        ? { infinite: {} }
        : { age: Number(retention?.$case === "age" ? retention.age : 604800n) },
    timestamping: {
      mode: nameOf(TIMESTAMPING_MODES, config?.timestamping?.mode ?? 0) ?? "client-prefer",
      uncapped: config?.timestamping?.uncapped ?? false,
    },
    delete_on_empty: { min_age_secs: Number(config?.deleteOnEmpty?.minAgeSecs ?? 0n) },
  };
}

function retentionFromJson(value: unknown, field: string): StreamConfig["retentionPolicy"] {
  const retention = object(value, field);
  if ("infinite" in retention && retention.infinite !== undefined) {
    object(retention.infinite, `${field}.infinite`);
    return { $case: "infinite", infinite: {} };
  }
  const age = u64(retention.age, `${field}.age`);
  if (age === 0n) throw invalidInput(`${field}.age must be greater than 0`);
  return { $case: "age", age };
}

/** A REST v1 `StreamConfig` (absent fields mean defaults) as the model's configuration. */
export function streamConfigFromJson(value: unknown, field = "config"): StreamConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const json = object(value, field);
  const timestamping = optional(json.timestamping, `${field}.timestamping`, object);
  const deleteOnEmpty = optional(json.delete_on_empty, `${field}.delete_on_empty`, object);
  const storage = optional(json.storage_class, `${field}.storage_class`, storageClass);
  const mode = optional(timestamping?.mode, `${field}.timestamping.mode`, timestampingMode);
  return {
    storageClass:
      storage === undefined ? StorageClass.STORAGE_CLASS_UNSPECIFIED : STORAGE_CLASSES[storage],
    retentionPolicy: optional(
      json.retention_policy,
      `${field}.retention_policy`,
      retentionFromJson,
    ),
    timestamping:
      timestamping === undefined
        ? undefined
        : {
            mode:
              mode === undefined
                ? TimestampingMode.TIMESTAMPING_MODE_UNSPECIFIED
                : TIMESTAMPING_MODES[mode],
            uncapped: optional(timestamping.uncapped, `${field}.timestamping.uncapped`, boolean),
          },
    deleteOnEmpty:
      deleteOnEmpty === undefined
        ? undefined
        : {
            minAgeSecs:
              optional(deleteOnEmpty.min_age_secs, `${field}.delete_on_empty.min_age_secs`, u64) ??
              0n,
          },
  };
}

/**
 * A REST v1 `StreamReconfiguration` (absent = unchanged, `null` = back to the default, a value =
 * set) as the model's configuration and the field-mask paths to apply.
 */
export function streamReconfigurationFromJson(
  value: unknown,
  field = "body",
): { config: StreamConfig; mask: string[] } {
  const json = value === undefined || value === null ? {} : object(value, field);
  const config = streamConfigFromJson(
    {
      ...json,
      retention_policy: json.retention_policy ?? undefined,
      timestamping: json.timestamping ?? undefined,
      delete_on_empty: json.delete_on_empty ?? undefined,
    },
    field,
  )!;
  const mask: string[] = [];
  if ("storage_class" in json) mask.push("storage_class");
  if ("retention_policy" in json) mask.push("retention_policy");
  if ("timestamping" in json) {
    if (json.timestamping === null) mask.push("timestamping");
    else {
      const timestamping = object(json.timestamping, `${field}.timestamping`);
      if ("mode" in timestamping) mask.push("timestamping.mode");
      if ("uncapped" in timestamping) mask.push("timestamping.uncapped");
    }
  }
  if ("delete_on_empty" in json) {
    if (json.delete_on_empty === null) mask.push("delete_on_empty");
    else if ("min_age_secs" in object(json.delete_on_empty, `${field}.delete_on_empty`)) {
      mask.push("delete_on_empty.min_age_secs");
    }
  }
  return { config, mask };
}

/** A stored basin configuration as REST v1 JSON. */
export function basinConfigToJson(config: BasinConfig): JsonObject {
  return {
    default_stream_config: streamConfigToJson(config.defaultStreamConfig),
    stream_cipher: null,
    create_stream_on_append: config.createStreamOnAppend,
    create_stream_on_read: config.createStreamOnRead,
  };
}

/** A REST v1 `BasinConfig` as the model's configuration. */
export function basinConfigFromJson(value: unknown, field = "config"): BasinConfig | undefined {
  if (value === undefined || value === null) return undefined;
  const json = object(value, field);
  if (optional(json.stream_cipher, `${field}.stream_cipher`, cipher) !== undefined) {
    throw invalidInput("stream_cipher is not supported by the emulator");
  }
  return {
    defaultStreamConfig: streamConfigFromJson(
      json.default_stream_config,
      `${field}.default_stream_config`,
    ),
    createStreamOnAppend:
      optional(json.create_stream_on_append, `${field}.create_stream_on_append`, boolean) ?? false,
    createStreamOnRead:
      optional(json.create_stream_on_read, `${field}.create_stream_on_read`, boolean) ?? false,
  };
}

/** A REST v1 `BasinReconfiguration` as the model's configuration and field-mask paths. */
export function basinReconfigurationFromJson(value: unknown): {
  config: BasinConfig;
  mask: string[];
} {
  const json = value === undefined || value === null ? {} : object(value, "body");
  if (optional(json.stream_cipher, "stream_cipher", cipher) !== undefined) {
    throw invalidInput("stream_cipher is not supported by the emulator");
  }
  const mask: string[] = [];
  const config: BasinConfig = {
    createStreamOnAppend:
      optional(json.create_stream_on_append, "create_stream_on_append", boolean) ?? false,
    createStreamOnRead:
      optional(json.create_stream_on_read, "create_stream_on_read", boolean) ?? false,
  };
  if ("create_stream_on_append" in json) mask.push("create_stream_on_append");
  if ("create_stream_on_read" in json) mask.push("create_stream_on_read");
  if ("default_stream_config" in json) {
    if (json.default_stream_config === null) {
      mask.push("default_stream_config");
    } else {
      const stream = streamReconfigurationFromJson(
        json.default_stream_config,
        "default_stream_config",
      );
      config.defaultStreamConfig = stream.config;
      for (const path of stream.mask) mask.push(`default_stream_config.${path}`);
    }
  }
  return { config, mask };
}

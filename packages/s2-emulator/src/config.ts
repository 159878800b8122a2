import {
  type BasinConfig,
  StorageClass,
  type StreamConfig,
  TimestampingMode,
} from "@retrykit/s2-proto";
import { invalid } from "./emulator-error.js";
import { DEFAULT_RETENTION_AGE_SECS } from "./limits.js";

/**
 * A stream configuration with every default filled in, as the emulator stores and returns it:
 * unspecified storage class is Express, unspecified timestamping is client-prefer (capped), and
 * retention is always present (default: age 7 days).
 */
export function normalizeStreamConfig(config: StreamConfig | undefined): StreamConfig {
  const retention = config?.retentionPolicy;
  if (retention?.$case === "age" && retention.age === 0n) {
    throw invalid("retention_policy.age must be greater than 0");
  }
  return {
    storageClass:
      config?.storageClass === undefined ||
      config.storageClass === StorageClass.STORAGE_CLASS_UNSPECIFIED
        ? StorageClass.STORAGE_CLASS_EXPRESS
        : checkEnum(config.storageClass, StorageClass, "storage_class"),
    retentionPolicy:
      retention === undefined ? { $case: "age", age: DEFAULT_RETENTION_AGE_SECS } : retention,
    timestamping: {
      mode:
        config?.timestamping?.mode === undefined ||
        config.timestamping.mode === TimestampingMode.TIMESTAMPING_MODE_UNSPECIFIED
          ? TimestampingMode.TIMESTAMPING_MODE_CLIENT_PREFER
          : checkEnum(config.timestamping.mode, TimestampingMode, "timestamping.mode"),
      uncapped: config?.timestamping?.uncapped ?? false,
    },
    deleteOnEmpty: { minAgeSecs: config?.deleteOnEmpty?.minAgeSecs ?? 0n },
  };
}

/** A basin configuration with its default stream configuration normalized. */
export function normalizeBasinConfig(config: BasinConfig | undefined): BasinConfig {
  return {
    defaultStreamConfig: normalizeStreamConfig(config?.defaultStreamConfig),
    createStreamOnAppend: config?.createStreamOnAppend ?? false,
    createStreamOnRead: config?.createStreamOnRead ?? false,
  };
}

const STREAM_PATHS = new Set([
  "storage_class",
  "retention_policy",
  "timestamping",
  "timestamping.mode",
  "timestamping.uncapped",
  "delete_on_empty",
  "delete_on_empty.min_age_secs",
]);

/**
 * Applies the `mask` paths of `update` to `current`. Without a mask (or an empty one), every field
 * set in `update` is applied. Unknown paths are INVALID_ARGUMENT.
 */
export function reconfigureStream(
  current: StreamConfig,
  update: StreamConfig | undefined,
  mask: readonly string[] | undefined,
  pathPrefix = "",
): StreamConfig {
  const next = structuredClone(current);
  const source: Partial<StreamConfig> = update ?? {};
  const paths = mask !== undefined && mask.length > 0 ? mask : impliedStreamPaths(source);
  for (const path of paths) {
    if (!STREAM_PATHS.has(path))
      throw invalid(`unknown field mask path ${JSON.stringify(pathPrefix + path)}`);
    switch (path) {
      case "storage_class":
        next.storageClass = source.storageClass ?? StorageClass.STORAGE_CLASS_UNSPECIFIED;
        break;
      case "retention_policy":
        next.retentionPolicy = source.retentionPolicy;
        break;
      case "timestamping":
        next.timestamping = source.timestamping;
        break;
      case "timestamping.mode":
        next.timestamping = {
          ...next.timestamping,
          mode: source.timestamping?.mode ?? TimestampingMode.TIMESTAMPING_MODE_UNSPECIFIED,
        };
        break;
      case "timestamping.uncapped":
        next.timestamping = {
          mode: next.timestamping?.mode ?? TimestampingMode.TIMESTAMPING_MODE_UNSPECIFIED,
          uncapped: source.timestamping?.uncapped ?? false,
        };
        break;
      case "delete_on_empty":
        next.deleteOnEmpty = source.deleteOnEmpty;
        break;
      case "delete_on_empty.min_age_secs":
        next.deleteOnEmpty = { minAgeSecs: source.deleteOnEmpty?.minAgeSecs ?? 0n };
        break;
    }
  }
  return normalizeStreamConfig(next);
}

/** Applies a basin field mask, including `default_stream_config.*` paths. */
export function reconfigureBasin(
  current: BasinConfig,
  update: BasinConfig | undefined,
  mask: readonly string[] | undefined,
): BasinConfig {
  const next = structuredClone(current);
  const source: Partial<BasinConfig> = update ?? {};
  let paths: readonly string[];
  if (mask !== undefined && mask.length > 0) {
    paths = mask;
  } else {
    const implied: string[] = [];
    if (source.createStreamOnAppend !== undefined) implied.push("create_stream_on_append");
    if (source.createStreamOnRead !== undefined) implied.push("create_stream_on_read");
    if (source.defaultStreamConfig !== undefined) implied.push("default_stream_config");
    paths = implied;
  }
  const streamPaths: string[] = [];
  for (const path of paths) {
    if (path === "create_stream_on_append") {
      next.createStreamOnAppend = source.createStreamOnAppend ?? false;
    } else if (path === "create_stream_on_read") {
      next.createStreamOnRead = source.createStreamOnRead ?? false;
    } else if (path === "default_stream_config") {
      next.defaultStreamConfig = normalizeStreamConfig(source.defaultStreamConfig);
    } else if (path.startsWith("default_stream_config.")) {
      streamPaths.push(path.slice("default_stream_config.".length));
    } else {
      throw invalid(`unknown field mask path ${JSON.stringify(path)}`);
    }
  }
  if (streamPaths.length > 0) {
    next.defaultStreamConfig = reconfigureStream(
      normalizeStreamConfig(next.defaultStreamConfig),
      source.defaultStreamConfig,
      streamPaths,
      "default_stream_config.",
    );
  }
  return normalizeBasinConfig(next);
}

function impliedStreamPaths(config: Partial<StreamConfig>): string[] {
  const paths: string[] = [];
  if (config.storageClass !== undefined && config.storageClass !== 0) paths.push("storage_class");
  if (config.retentionPolicy !== undefined) paths.push("retention_policy");
  if (config.timestamping !== undefined) paths.push("timestamping");
  if (config.deleteOnEmpty !== undefined) paths.push("delete_on_empty");
  return paths;
}

function checkEnum<T extends number>(value: T, values: object, field: string): T {
  if (!Object.values(values).includes(value) || value < 0) {
    throw invalid(`${field} has unknown value ${value}`);
  }
  return value;
}

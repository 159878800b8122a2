import type {
  BasinConfig,
  RetentionPolicy,
  StorageClass,
  StreamConfig,
  TimestampingMode,
} from "../schemas.js";
import type { OptionSpec, OptionValues } from "./command.js";
import { UsageError } from "./usage-error.js";
import { booleanValueOption, choiceOption, numberOption, stringOption } from "./values.js";

/** Flags that set fields of a stream configuration (or of a basin's default stream configuration). */
export const STREAM_CONFIG_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  "storage-class": {
    type: "string",
    valueName: "class",
    description: "standard or express",
  },
  retention: {
    type: "string",
    valueName: "age",
    description:
      "Keep records for an age (seconds, or with a unit: 90s, 30m, 12h, 7d) or 'infinite'",
  },
  "timestamping-mode": {
    type: "string",
    valueName: "mode",
    description: "client-prefer, client-require or arrival",
  },
  "timestamping-uncapped": {
    type: "string",
    valueName: "bool",
    description: "Allow client timestamps later than the arrival time (true or false)",
  },
  "delete-on-empty-min-age": {
    type: "string",
    valueName: "secs",
    description: "Delete the stream once empty for this many seconds (0 disables)",
  },
};

/** Flags that set the fields of a basin configuration, besides its default stream configuration. */
export const BASIN_CONFIG_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  "create-stream-on-append": {
    type: "string",
    valueName: "bool",
    description: "Create a missing stream when it is appended to (true or false)",
  },
  "create-stream-on-read": {
    type: "string",
    valueName: "bool",
    description: "Create a missing stream when it is read (true or false)",
  },
  ...STREAM_CONFIG_OPTIONS,
};

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400 };

function retentionOption(options: OptionValues): RetentionPolicy | undefined {
  const text = stringOption(options, "retention");
  if (text === undefined) return undefined;
  if (text === "infinite") return "infinite";
  const match = /^(\d+)([smhd]?)$/.exec(text);
  const ageSecs = match ? Number(match[1]) * (UNITS[match[2] || "s"] ?? 1) : 0;
  if (!match || ageSecs <= 0 || !Number.isSafeInteger(ageSecs)) {
    throw new UsageError(
      `--retention must be a positive age such as 3600, 12h or 7d, or 'infinite', got ${JSON.stringify(text)}`,
    );
  }
  return { ageSecs };
}

/** The stream configuration the flags describe, or `undefined` when no flag was given. */
export function streamConfigFrom(options: OptionValues): StreamConfig | undefined {
  const storageClass = choiceOption<StorageClass>(options, "storage-class", [
    "standard",
    "express",
  ]);
  const retentionPolicy = retentionOption(options);
  const mode = choiceOption<TimestampingMode>(options, "timestamping-mode", [
    "client-prefer",
    "client-require",
    "arrival",
  ]);
  const uncapped = booleanValueOption(options, "timestamping-uncapped");
  const minAgeSecs = numberOption(options, "delete-on-empty-min-age");
  const config: {
    storageClass?: StorageClass;
    retentionPolicy?: RetentionPolicy;
    timestamping?: { mode?: TimestampingMode; uncapped?: boolean };
    deleteOnEmpty?: { minAgeSecs: number };
  } = {};
  if (storageClass !== undefined) config.storageClass = storageClass;
  if (retentionPolicy !== undefined) config.retentionPolicy = retentionPolicy;
  if (mode !== undefined || uncapped !== undefined) {
    config.timestamping = {
      ...(mode === undefined ? {} : { mode }),
      ...(uncapped === undefined ? {} : { uncapped }),
    };
  }
  if (minAgeSecs !== undefined) config.deleteOnEmpty = { minAgeSecs };
  return Object.keys(config).length === 0 ? undefined : config;
}

/** The basin configuration the flags describe, or `undefined` when no flag was given. */
export function basinConfigFrom(options: OptionValues): BasinConfig | undefined {
  const onAppend = booleanValueOption(options, "create-stream-on-append");
  const onRead = booleanValueOption(options, "create-stream-on-read");
  const defaultStreamConfig = streamConfigFrom(options);
  const config: {
    createStreamOnAppend?: boolean;
    createStreamOnRead?: boolean;
    defaultStreamConfig?: StreamConfig;
  } = {};
  if (onAppend !== undefined) config.createStreamOnAppend = onAppend;
  if (onRead !== undefined) config.createStreamOnRead = onRead;
  if (defaultStreamConfig !== undefined) config.defaultStreamConfig = defaultStreamConfig;
  return Object.keys(config).length === 0 ? undefined : config;
}

import type { StreamInfo } from "../../schemas.js";
import type { Command } from "../command.js";
import { STREAM_CONFIG_OPTIONS, streamConfigFrom } from "../config-options.js";
import { listOptionSpecs, listOptionsFrom, take } from "../list-options.js";
import { UsageError } from "../usage-error.js";
import { toJson } from "../values.js";
import { isNotFound } from "./basins.js";

function streamLine(stream: StreamInfo): string {
  const deleting = stream.deletedAt === undefined ? "" : "\tdeleting";
  return `${stream.name}\t${stream.createdAt.toISOString()}${deleting}\n`;
}

/** `s2 streams ...`: list, create, delete and configure the streams of a basin. */
export const streamCommands: readonly Command[] = [
  {
    path: ["streams", "list"],
    summary: "List a basin's streams, in name order",
    arguments: ["basin"],
    options: listOptionSpecs("streams"),
    async run({ args, options, io, client }) {
      const { list, limit } = listOptionsFrom(options, io.signal);
      const basin = client().basin(args[0]!);
      for await (const stream of take(basin.listAllStreams(list), limit)) {
        await io.out(options.json === true ? `${toJson(stream)}\n` : streamLine(stream));
      }
      return 0;
    },
  },
  {
    path: ["streams", "create"],
    summary: "Create a stream",
    arguments: ["basin", "stream"],
    options: STREAM_CONFIG_OPTIONS,
    examples: ["s2 streams create my-basin-name events --retention infinite"],
    async run({ args, options, io, client }) {
      const info = await client()
        .basin(args[0]!)
        .createStream(args[1]!, streamConfigFrom(options), { signal: io.signal });
      await io.out(`created stream ${info.name}\n`);
      return 0;
    },
  },
  {
    path: ["streams", "delete"],
    summary: "Delete a stream",
    arguments: ["basin", "stream"],
    options: {
      "if-exists": { type: "boolean", description: "Succeed when there is nothing to delete" },
    },
    async run({ args, options, io, client }) {
      try {
        await client().basin(args[0]!).deleteStream(args[1]!, { signal: io.signal });
        await io.out(`deleting stream ${args[1]}\n`);
      } catch (error) {
        if (!(options["if-exists"] === true && isNotFound(error))) throw error;
        await io.out(`no stream ${args[1]}\n`);
      }
      return 0;
    },
  },
  {
    path: ["streams", "config", "get"],
    summary: "Print a stream's configuration as JSON",
    arguments: ["basin", "stream"],
    options: {},
    async run({ args, io, client }) {
      const config = await client()
        .basin(args[0]!)
        .getStreamConfig(args[1]!, { signal: io.signal });
      await io.out(`${toJson(config, 2)}\n`);
      return 0;
    },
  },
  {
    path: ["streams", "config", "set"],
    summary: "Change fields of a stream's configuration and print the result",
    description: "Only the fields given change.",
    arguments: ["basin", "stream"],
    options: STREAM_CONFIG_OPTIONS,
    examples: ["s2 streams config set my-basin-name events --storage-class standard"],
    async run({ args, options, io, client }) {
      const config = streamConfigFrom(options);
      if (config === undefined) throw new UsageError("nothing to change: give at least one flag");
      const result = await client()
        .basin(args[0]!)
        .reconfigureStream(args[1]!, config, { signal: io.signal });
      await io.out(`${toJson(result, 2)}\n`);
      return 0;
    },
  },
];

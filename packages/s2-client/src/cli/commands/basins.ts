import { status } from "@grpc/grpc-js";
import { S2Error } from "../../errors.js";
import type { Command } from "../command.js";
import { BASIN_CONFIG_OPTIONS, basinConfigFrom } from "../config-options.js";
import { listOptionSpecs, listOptionsFrom, take } from "../list-options.js";
import { UsageError } from "../usage-error.js";
import { toJson } from "../values.js";

const IF_EXISTS = {
  "if-exists": {
    type: "boolean",
    description: "Succeed when there is nothing to delete",
  },
} as const;

/** `s2 basins ...`: list, create, delete and configure basins. */
export const basinCommands: readonly Command[] = [
  {
    path: ["basins", "list"],
    summary: "List basins, in name order",
    arguments: [],
    options: listOptionSpecs("basins"),
    examples: ["s2 basins list --prefix my-"],
    async run({ options, io, client }) {
      const { list, limit } = listOptionsFrom(options, io.signal);
      for await (const basin of take(client().listAllBasins(list), limit)) {
        await io.out(
          options.json === true ? `${toJson(basin)}\n` : `${basin.name}\t${basin.state}\n`,
        );
      }
      return 0;
    },
  },
  {
    path: ["basins", "create"],
    summary: "Create a basin",
    description:
      "Basin names are globally unique: 8 to 48 characters of a-z, 0-9 and '-', not starting or ending with '-'.\nThe stream configuration flags set the basin's default stream configuration.",
    arguments: ["basin"],
    options: BASIN_CONFIG_OPTIONS,
    examples: ["s2 basins create my-basin-name --storage-class express --retention 7d"],
    async run({ args, options, io, client }) {
      const info = await client().createBasin(args[0]!, basinConfigFrom(options), {
        signal: io.signal,
      });
      await io.out(`created basin ${info.name} (${info.state})\n`);
      return 0;
    },
  },
  {
    path: ["basins", "delete"],
    summary: "Delete a basin (the server finishes it in the background)",
    arguments: ["basin"],
    options: IF_EXISTS,
    async run({ args, options, io, client }) {
      try {
        await client().deleteBasin(args[0]!, { signal: io.signal });
        await io.out(`deleting basin ${args[0]}\n`);
      } catch (error) {
        if (!(options["if-exists"] === true && isNotFound(error))) throw error;
        await io.out(`no basin ${args[0]}\n`);
      }
      return 0;
    },
  },
  {
    path: ["basins", "config", "get"],
    summary: "Print a basin's configuration as JSON",
    arguments: ["basin"],
    options: {},
    async run({ args, io, client }) {
      const config = await client().getBasinConfig(args[0]!, { signal: io.signal });
      await io.out(`${toJson(config, 2)}\n`);
      return 0;
    },
  },
  {
    path: ["basins", "config", "set"],
    summary: "Change fields of a basin's configuration and print the result",
    description:
      "Only the fields given change. Stream flags change the default stream configuration.",
    arguments: ["basin"],
    options: BASIN_CONFIG_OPTIONS,
    examples: ["s2 basins config set my-basin-name --create-stream-on-append true"],
    async run({ args, options, io, client }) {
      const config = basinConfigFrom(options);
      if (config === undefined) throw new UsageError("nothing to change: give at least one flag");
      const result = await client().reconfigureBasin(args[0]!, config, { signal: io.signal });
      await io.out(`${toJson(result, 2)}\n`);
      return 0;
    },
  },
];

/** Whether `error` is S2's NOT_FOUND. */
export function isNotFound(error: unknown): boolean {
  return S2Error.is(error) && error.code === status.NOT_FOUND;
}

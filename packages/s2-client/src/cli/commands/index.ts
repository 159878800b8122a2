import type { Command } from "../command.js";
import { appendCommand } from "./append.js";
import { basinCommands } from "./basins.js";
import { readCommand } from "./read.js";
import { streamCommands } from "./streams.js";
import { tailCommand } from "./tail.js";
import { tokenCommands } from "./tokens.js";

/** Every command of the command line, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [
  ...basinCommands,
  ...streamCommands,
  appendCommand,
  readCommand,
  tailCommand,
  ...tokenCommands,
];

/** One-line descriptions of the command groups. */
export const GROUPS: Readonly<Record<string, string>> = {
  basins: "Create, list, delete and configure basins",
  "basins config": "Read and change a basin's configuration",
  streams: "Create, list, delete and configure streams",
  "streams config": "Read and change a stream's configuration",
  tokens: "Issue, list and revoke access tokens",
};

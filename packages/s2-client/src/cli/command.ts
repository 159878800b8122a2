import type { S2 } from "../s2.js";
import type { CliIo } from "./io.js";

/** One option of a command, as `node:util` `parseArgs` takes it, plus its help. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  readonly short?: string;
  /** Placeholder shown in the help, e.g. `n` in `--count <n>`. */
  readonly valueName?: string;
  readonly description: string;
}

/** Option values after parsing. */
export type OptionValues = Readonly<Record<string, string | boolean | undefined>>;

/** What a command gets when it runs. */
export interface CommandContext {
  /** Positional arguments, checked against the command's `arguments`. */
  readonly args: readonly string[];
  readonly options: OptionValues;
  readonly io: CliIo;
  /** The client, built from the connection options on first use and closed after the command. */
  client(): S2;
}

/** A command of the command line (a leaf of the command tree). */
export interface Command {
  /** Words that name it: `["basins", "config", "get"]`. */
  readonly path: readonly string[];
  /** One line for the parent's list of commands. */
  readonly summary: string;
  /** Longer help, printed under the usage line. */
  readonly description?: string;
  /** Names of the required positional arguments, in order (`basin`, `stream`). */
  readonly arguments: readonly string[];
  /** The command's own options (connection options are added to every command that connects). */
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Whether the command talks to S2 (and so takes the connection options). @default true */
  readonly connects?: boolean;
  /** Examples shown at the end of the help. */
  readonly examples?: readonly string[];
  /** Runs the command; resolves with the exit status (0 when nothing is returned). */
  run(context: CommandContext): Promise<number | undefined>;
}

import { type ParseArgsConfig, parseArgs } from "node:util";
import { redactSecrets } from "../access-token.js";
import { S2Error } from "../errors.js";
import type { S2 } from "../s2.js";
import type { Command, OptionSpec, OptionValues } from "./command.js";
import { COMMANDS, GROUPS } from "./commands/index.js";
import { CONNECTION_OPTIONS, clientFrom } from "./connection-options.js";
import { commandHelp, groupHelp, HELP_OPTION, usageLine } from "./help.js";
import type { CliIo } from "./io.js";
import { UsageError } from "./usage-error.js";

/** Exit statuses of the command line. */
export const EXIT = Object.freeze({ ok: 0, failed: 1, usage: 2, interrupted: 130 });

function isHelp(word: string | undefined): boolean {
  return word === "--help" || word === "-h" || word === "help";
}

/** Whether `path` names a group or a command. */
function known(path: readonly string[]): boolean {
  const key = path.join(" ");
  return key in GROUPS || COMMANDS.some((command) => command.path.join(" ") === key);
}

function parseOptions(
  command: Command,
  argv: readonly string[],
): { args: string[]; options: OptionValues } {
  const specs: Record<string, OptionSpec> = {
    ...command.options,
    ...(command.connects === false ? {} : CONNECTION_OPTIONS),
    help: HELP_OPTION,
  };
  const options: NonNullable<ParseArgsConfig["options"]> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = spec.short ? { type: spec.type, short: spec.short } : { type: spec.type };
  }
  try {
    const parsed = parseArgs({ args: [...argv], options, allowPositionals: true, strict: true });
    return { args: parsed.positionals, options: parsed.values as OptionValues };
  } catch (error) {
    // parseArgs explains unknown options and missing values well; keep its words.
    throw new UsageError((error as Error).message, { cause: error });
  }
}

function checkArguments(command: Command, args: readonly string[]): void {
  const missing = command.arguments[args.length];
  if (missing !== undefined) throw new UsageError(`missing <${missing}>`);
  if (args.length > command.arguments.length) {
    throw new UsageError(`unexpected argument ${JSON.stringify(args[command.arguments.length])}`);
  }
}

function reportUsage(prefix: string, message: string, help: string, io: CliIo): number {
  io.err(
    redactSecrets(
      `${prefix}: ${message}\n${help ? `${help}\n` : ""}Run '${prefix} --help' for more.\n`,
    ),
  );
  return EXIT.usage;
}

/**
 * Runs the command line `argv` (the words after `s2`) and resolves with the exit status: 0 done,
 * 1 the call failed, 2 the command line is wrong, 130 interrupted. Never throws.
 *
 * @example
 * ```ts
 * process.exitCode = await run(["basins", "list"], io);
 * ```
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const path: string[] = [];
  let rest = argv;
  while (rest.length > 0 && known([...path, rest[0]!])) {
    path.push(rest[0]!);
    rest = rest.slice(1);
  }
  const prefix = ["s2", ...path].join(" ");
  const command = COMMANDS.find((c) => c.path.join(" ") === path.join(" "));
  if (command === undefined) {
    if (isHelp(rest[0])) {
      await io.out(groupHelp(path));
      return EXIT.ok;
    }
    if (rest.length === 0) {
      io.err(groupHelp(path));
      return EXIT.usage;
    }
    const word = rest[0]!;
    const what = word.startsWith("-")
      ? "a command must come before options, got"
      : "unknown command";
    return reportUsage(prefix, `${what} ${JSON.stringify(word)}`, "", io);
  }

  let client: S2 | undefined;
  try {
    const { args, options } = parseOptions(command, rest);
    if (options.help === true) {
      await io.out(commandHelp(command));
      return EXIT.ok;
    }
    checkArguments(command, args);
    const status = await command.run({
      args,
      options,
      io,
      client: () => {
        client ??= clientFrom(options, io.env);
        return client;
      },
    });
    return status ?? EXIT.ok;
  } catch (error) {
    if (io.signal.aborted) return EXIT.interrupted;
    if (error instanceof UsageError)
      return reportUsage(prefix, error.message, usageLine(command), io);
    // The client checks names and values before sending anything: a bad one is a usage error.
    if (error instanceof RangeError) {
      return reportUsage(prefix, `invalid argument: ${error.message}`, usageLine(command), io);
    }
    if (S2Error.is(error)) {
      io.err(redactSecrets(`${prefix}: ${error.codeName}: ${error.message}\n`));
      return EXIT.failed;
    }
    // Whatever failed, its words never carry the access token out.
    io.err(redactSecrets(`${prefix}: ${error instanceof Error ? error.message : String(error)}\n`));
    return EXIT.failed;
  } finally {
    await client?.close();
  }
}

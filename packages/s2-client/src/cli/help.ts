import { rpcRetries } from "../retry-summary.js";
import { RETRYABLE_CODES, type Rpc } from "../retry-table.js";
import type { Command, OptionSpec } from "./command.js";
import { COMMANDS, GROUPS } from "./commands/index.js";
import { CONNECTION_OPTIONS } from "./connection-options.js";

/** The option every command has. */
export const HELP_OPTION: OptionSpec = {
  type: "boolean",
  short: "h",
  description: "Show this help",
};

const ENVIRONMENT = `Environment:
  S2_ACCESS_TOKEN      Access token (the flag --access-token wins)
  S2_ACCOUNT_ENDPOINT  Account endpoint, host:port or http(s)://host:port
  S2_BASIN_ENDPOINT    Basin endpoint; {basin}.host:port puts the basin in the host name
  S2_CLOUD             Cloud of the default endpoints (aws)
`;

const EXIT_STATUS = `Exit status: 0 done, 1 the call failed (S2 error, network), 2 wrong command line,
130 interrupted.
`;

function table(rows: ReadonlyArray<readonly [string, string]>): string {
  const width = Math.min(28, Math.max(...rows.map(([left]) => left.length)) + 2);
  return rows
    .map(([left, right]) =>
      left.length + 2 > width
        ? `  ${left}\n  ${" ".repeat(width)}${right}\n`
        : `  ${left.padEnd(width)}${right}\n`,
    )
    .join("");
}

function optionRows(
  options: Readonly<Record<string, OptionSpec>>,
): Array<readonly [string, string]> {
  return Object.entries(options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.valueName ? ` <${spec.valueName}>` : ""}`;
    return [flag, spec.description] as const;
  });
}

/** The RPCs each command makes, for the "Retries" lines of its help. */
export const COMMAND_RPCS: Readonly<Record<string, readonly Rpc[]>> = {
  "basins list": ["ListBasins"],
  "basins create": ["CreateBasin"],
  "basins delete": ["DeleteBasin"],
  "basins config get": ["GetBasinConfig"],
  "basins config set": ["ReconfigureBasin"],
  "streams list": ["ListStreams"],
  "streams create": ["CreateStream"],
  "streams delete": ["DeleteStream"],
  "streams config get": ["GetStreamConfig"],
  "streams config set": ["ReconfigureStream"],
  append: ["AppendSession"],
  read: ["Read", "ReadSession"],
  tail: ["CheckTail"],
  "tokens issue": ["IssueAccessToken"],
  "tokens list": ["ListAccessTokens"],
  "tokens revoke": ["RevokeAccessToken"],
};

/**
 * Whether and how a command's calls retry, from the client's retry table, with the settings the
 * command line uses (the client's defaults, `--max-retries` aside).
 */
export function retryLines(command: Command): string {
  const rpcs = COMMAND_RPCS[command.path.join(" ")];
  if (rpcs === undefined) return "";
  const lines = rpcs.map((rpc) => {
    const { level, codes } = rpcRetries(rpc);
    let line = `  ${rpc} (${level}): ${codes.length === 0 ? "not retried" : codes.join(", ")}`;
    // Fewer than every retryable code: say that the list is a restriction.
    if (codes.length > 0 && codes.length < RETRYABLE_CODES.size) line += " only";
    if (rpc.endsWith("Session"))
      line += "\n    a session: reconnects and resumes; the count restarts after progress";
    return `${line}\n`;
  });
  return `\nRetries: up to --max-retries times (default 3), with jittered pauses (a server's
retry-after-ms sets the pause), when the call fails with:\n${lines.join("")}`;
}

/** The usage line of a command. */
export function usageLine(command: Command): string {
  const args = command.arguments.map((name) => `<${name}>`).join(" ");
  return `Usage: s2 ${command.path.join(" ")}${args ? ` ${args}` : ""} [options]`;
}

/** The full help of a command. */
export function commandHelp(command: Command): string {
  let text = `${usageLine(command)}\n\n${command.summary}.\n`;
  if (command.description) text += `\n${command.description}\n`;
  text += `\nOptions:\n${table(optionRows({ ...command.options, help: HELP_OPTION }))}`;
  if (command.connects !== false) {
    text += `\nConnection options:\n${table(optionRows(CONNECTION_OPTIONS))}`;
  }
  text += retryLines(command);
  if (command.examples?.length) {
    text += `\nExamples:\n${command.examples.map((example) => `  ${example}\n`).join("")}`;
  }
  return text;
}

/** The help of a group of commands (or of the whole command line, for the empty path). */
export function groupHelp(path: readonly string[]): string {
  const prefix = path.join(" ");
  const commands = COMMANDS.filter((command) =>
    path.every((word, index) => command.path[index] === word),
  );
  const rows = commands.map(
    (command) => [command.path.slice(path.length).join(" "), command.summary] as const,
  );
  if (path.length === 0) {
    return `s2: basins, streams, records and access tokens of S2, from the shell.

Usage: s2 <command> [arguments] [options]

Commands:
${table(rows)}
Run 's2 <command> --help' for a command's arguments and options.
Options go after the command: s2 basins list --endpoint 127.0.0.1:4243 --plaintext

${ENVIRONMENT}
${EXIT_STATUS}`;
  }
  return `Usage: s2 ${prefix} <command> [arguments] [options]

${GROUPS[prefix] ?? ""}.

Commands:
${table(rows)}
Run 's2 ${prefix} <command> --help' for a command's arguments and options.
`;
}

import type {
  AccessTokenInfo,
  AccessTokenScope,
  Operation,
  ReadWritePermissions,
  ResourceSet,
} from "../../schemas.js";
import { OPERATIONS } from "../../schemas.js";
import type { Command, OptionValues } from "../command.js";
import { listOptionSpecs, listOptionsFrom, take } from "../list-options.js";
import { UsageError } from "../usage-error.js";
import { stringOption, toJson } from "../values.js";

function resourceSet(options: OptionValues, name: string): ResourceSet | undefined {
  const text = stringOption(options, name);
  if (text === undefined) return undefined;
  if (text === "*") return { prefix: "" };
  const match = /^(exact|prefix):(.*)$/s.exec(text);
  if (!match) {
    throw new UsageError(
      `--${name} must be exact:<name>, prefix:<prefix> or '*', got ${JSON.stringify(text)}`,
    );
  }
  return match[1] === "exact" ? { exact: match[2]! } : { prefix: match[2]! };
}

function opGroups(options: OptionValues): AccessTokenScope["opGroups"] {
  const text = stringOption(options, "op-groups");
  if (text === undefined) return undefined;
  const groups: Record<string, ReadWritePermissions> = {};
  for (const part of text.split(",")) {
    const match = /^(account|basin|stream)=(r|w|rw)$/.exec(part.trim());
    if (!match) {
      throw new UsageError(
        `--op-groups must be a list such as account=r,basin=rw,stream=w, got ${JSON.stringify(text)}`,
      );
    }
    groups[match[1]!] = { read: match[2]!.includes("r"), write: match[2]!.includes("w") };
  }
  return groups;
}

function operations(options: OptionValues): Operation[] | undefined {
  const text = stringOption(options, "ops");
  if (text === undefined) return undefined;
  return text.split(",").map((op) => {
    const trimmed = op.trim();
    if (!(OPERATIONS as readonly string[]).includes(trimmed)) {
      throw new UsageError(`--ops: unknown operation ${JSON.stringify(trimmed)}`);
    }
    return trimmed as Operation;
  });
}

function scopeFrom(options: OptionValues): AccessTokenScope {
  const basins = resourceSet(options, "basins");
  const streams = resourceSet(options, "streams");
  const accessTokens = resourceSet(options, "access-tokens");
  const groups = opGroups(options);
  const ops = operations(options);
  return {
    ...(basins === undefined ? {} : { basins }),
    ...(streams === undefined ? {} : { streams }),
    ...(accessTokens === undefined ? {} : { accessTokens }),
    ...(groups === undefined ? {} : { opGroups: groups }),
    ...(ops === undefined ? {} : { ops }),
  };
}

function expiresAt(options: OptionValues): Date | undefined {
  const text = stringOption(options, "expires-at");
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) {
    throw new UsageError(
      `--expires-at must be a date such as 2030-01-01T00:00:00Z, got ${JSON.stringify(text)}`,
    );
  }
  // A token that has already expired is useless: the command line is wrong, not the service.
  if (date.getTime() <= Date.now()) {
    throw new UsageError(`--expires-at must be in the future, got ${JSON.stringify(text)}`);
  }
  return date;
}

function tokenLine(token: AccessTokenInfo): string {
  const expiry = token.expiresAt?.toISOString() ?? "-";
  return `${token.id}\t${expiry}\t${toJson(token.scope)}\n`;
}

/** `s2 tokens ...`: issue, list and revoke access tokens. */
export const tokenCommands: readonly Command[] = [
  {
    path: ["tokens", "issue"],
    summary: "Issue an access token and print its secret (shown only once)",
    description:
      "Prints the new token's secret alone on standard output, so that it can be captured:\n  TOKEN=$(s2 tokens issue reader --streams prefix:logs/ --op-groups stream=r)",
    arguments: ["id"],
    options: {
      basins: {
        type: "string",
        valueName: "set",
        description: "Basins it may touch: exact:<name>, prefix:<prefix> or '*'",
      },
      streams: {
        type: "string",
        valueName: "set",
        description: "Streams it may touch (same form)",
      },
      "access-tokens": {
        type: "string",
        valueName: "set",
        description: "Access tokens it may manage (same form)",
      },
      "op-groups": {
        type: "string",
        valueName: "list",
        description: "Group permissions, e.g. account=r,basin=rw,stream=w",
      },
      ops: {
        type: "string",
        valueName: "list",
        description: `Single operations, e.g. append,read (${OPERATIONS.length} known: list-basins, ..., stream-metrics)`,
      },
      "expires-at": {
        type: "string",
        valueName: "date",
        description: "Expiry (default and latest: the issuing token's expiry)",
      },
      "auto-prefix-streams": {
        type: "boolean",
        description: "Prefix stream names with the stream scope's prefix transparently",
      },
    },
    examples: ["s2 tokens issue ci-writer --basins exact:my-basin-name --op-groups stream=rw"],
    async run({ args, options, io, client }) {
      const expiry = expiresAt(options);
      const secret = await client().issueAccessToken(args[0]!, scopeFrom(options), {
        ...(expiry === undefined ? {} : { expiresAt: expiry }),
        ...(options["auto-prefix-streams"] === true ? { autoPrefixStreams: true } : {}),
        signal: io.signal,
      });
      io.err(`issued access token ${args[0]}; its secret follows and is not shown again\n`);
      await io.out(`${secret}\n`);
      return 0;
    },
  },
  {
    path: ["tokens", "list"],
    summary: "List access tokens (ids, expiry and scope; never secrets)",
    arguments: [],
    options: listOptionSpecs("access tokens"),
    async run({ options, io, client }) {
      const { list, limit } = listOptionsFrom(options, io.signal);
      for await (const token of take(client().listAllAccessTokens(list), limit)) {
        await io.out(options.json === true ? `${toJson(token)}\n` : tokenLine(token));
      }
      return 0;
    },
  },
  {
    path: ["tokens", "revoke"],
    summary: "Revoke an access token",
    arguments: ["id"],
    options: {},
    async run({ args, io, client }) {
      await client().revokeAccessToken(args[0]!, { signal: io.signal });
      await io.out(`revoked access token ${args[0]}\n`);
      return 0;
    },
  },
];

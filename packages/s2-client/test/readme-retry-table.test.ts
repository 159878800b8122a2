import { readFileSync } from "node:fs";
import { retriedMethods, retryPolicyOf } from "@retrykit/retry-core";
import { Basin, RPC_IDEMPOTENCY, S2, Stream } from "@retrykit/s2-client";
import { describe, expect, it } from "vitest";
import { replaceRetryTable } from "../scripts/readme-retry-table.js";
import { COMMANDS } from "../src/cli/commands/index.js";
import { COMMAND_RPCS, commandHelp } from "../src/cli/help.js";
import { retriedCalls, retryTableMarkdown } from "../src/retry-summary.js";

const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("the README's retry table", () => {
  it("is the one generated from the code", () => {
    // On failure: node --conditions=@retrykit/source --import tsx packages/s2-client/scripts/retry-table.ts
    expect(replaceRetryTable(readme)).toBe(readme);
  });

  it("would change if a call's RPC changed", () => {
    const calls = retriedCalls();
    const renamed = calls.map((call) =>
      call.rpc === "IssueAccessToken" ? { ...call, rpc: "ListAccessTokens" as const } : call,
    );
    expect(retryTableMarkdown(renamed)).not.toBe(retryTableMarkdown(calls));
  });

  it("has one decorated method for every RPC of the API", () => {
    expect(
      retriedCalls()
        .map((call) => call.rpc)
        .sort(),
    ).toEqual(Object.keys(RPC_IDEMPOTENCY).sort());
  });

  it("reads the decorators of S2, Basin and Stream", () => {
    const unary = retriedMethods(Stream).find((method) => method.name === "checkTail");
    expect(unary?.policy).toMatchObject({
      kind: "call",
      source: "per-instance",
      decorator: "retryWith",
      details: { rpc: "CheckTail" },
    });
    expect(retryPolicyOf(S2.prototype.listBasins)).toMatchObject({
      details: { rpc: "ListBasins" },
    });
    expect(retryPolicyOf(Basin.prototype.deleteStream)).toMatchObject({
      details: { rpc: "DeleteStream" },
    });
    const session = retriedMethods(Stream).find((method) => method.name === "#readSessionAttempts");
    expect(session).toMatchObject({ private: true, policy: { kind: "session", resume: true } });
  });

  it("resolves an instance's policy: maxRetries + 1 attempts", async () => {
    await using s2 = new S2({
      accessToken: "token",
      endpoints: { account: "127.0.0.1:9", basin: "127.0.0.1:9", tls: false },
      maxRetries: 2,
    });
    const listBasins = retriedMethods(s2).find((method) => method.name === "listBasins");
    expect(listBasins?.policy).toMatchObject({
      resolved: { maxTries: 3, retryIf: true, giveup: true, retryAfter: true },
    });
  });
});

describe("the command line's help", () => {
  it("says how each command's calls retry", () => {
    const declared = new Set(retriedCalls().map((call) => call.rpc));
    for (const command of COMMANDS) {
      const rpcs = COMMAND_RPCS[command.path.join(" ")];
      expect(rpcs, command.path.join(" ")).toBeDefined();
      const help = commandHelp(command);
      expect(help).toContain("Retries: up to --max-retries times");
      for (const rpc of rpcs!) {
        expect(declared.has(rpc)).toBe(true);
        expect(help).toContain(`  ${rpc} (${RPC_IDEMPOTENCY[rpc]}): `);
      }
    }
    const issue = COMMANDS.find((command) => command.path.join(" ") === "tokens issue")!;
    expect(commandHelp(issue)).toContain(
      "IssueAccessToken (NONE): RESOURCE_EXHAUSTED, ABORTED only",
    );
  });
});

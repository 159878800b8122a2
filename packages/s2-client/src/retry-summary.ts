import { status } from "@grpc/grpc-js";
import { retriedMethods } from "@retrykit/retry-core";
import { Basin } from "./basin.js";
import {
  type AppendRetrySettings,
  type IdempotencyLevel,
  RETRYABLE_CODES,
  RPC_IDEMPOTENCY,
  type Rpc,
  shouldRetry,
} from "./retry-table.js";
import { S2 } from "./s2.js";
import { Stream } from "./stream.js";

/** What the retry table says about one RPC, under each append setting. */
export interface RpcRetries {
  readonly rpc: Rpc;
  readonly level: IdempotencyLevel;
  /** Status codes retried with the default settings (`enableAppendRetries: true`, `appendRetryPolicy: "all"`). */
  readonly codes: readonly string[];
  /** Appends: the codes retried under `appendRetryPolicy: "noSideEffects"`. */
  readonly noSideEffects?: readonly string[];
  /** Append sessions: under `"noSideEffects"`, every retryable code when no batch was in flight. */
  readonly whenNothingInFlight?: boolean;
  /** Appends: `enableAppendRetries: false` turns the retries off. */
  readonly switchable: boolean;
}

const ALL: AppendRetrySettings = { enableAppendRetries: true, appendRetryPolicy: "all" };
const STRICT: AppendRetrySettings = {
  enableAppendRetries: true,
  appendRetryPolicy: "noSideEffects",
};
const OFF: AppendRetrySettings = { enableAppendRetries: false, appendRetryPolicy: "all" };

function codesRetried(rpc: Rpc, settings: AppendRetrySettings, nothingInFlight = false): string[] {
  return [...RETRYABLE_CODES.keys()]
    .filter((code) => shouldRetry(rpc, { code }, settings, nothingInFlight))
    .map((code) => status[code] ?? String(code));
}

const same = (a: readonly string[], b: readonly string[]) => a.join() === b.join();

/** The retry table's answer for `rpc`, found by asking `shouldRetry` about every retryable code. */
export function rpcRetries(rpc: Rpc): RpcRetries {
  const codes = codesRetried(rpc, ALL);
  const strict = codesRetried(rpc, STRICT);
  const result: { -readonly [K in keyof RpcRetries]: RpcRetries[K] } = {
    rpc,
    level: RPC_IDEMPOTENCY[rpc],
    codes,
    switchable: !same(codesRetried(rpc, OFF), codes),
  };
  if (!same(strict, codes)) result.noSideEffects = strict;
  // Only a session knows whether batches are in flight; a unary append always counts as in flight.
  if (rpc === "AppendSession" && !same(codesRetried(rpc, STRICT, true), strict)) {
    result.whenNothingInFlight = true;
  }
  return result;
}

function codeList(codes: readonly string[], quote: (code: string) => string): string {
  if (codes.length === 0) return "never";
  if (codes.length === RETRYABLE_CODES.size) return "every retryable code";
  return `${codes.map(quote).join(", ")} only`;
}

/** "retried on" as one line (`quote` marks code and option names, e.g. with backticks in Markdown). */
export function retriedOnText(
  retries: RpcRetries,
  quote: (text: string) => string = String,
): string {
  let text = codeList(retries.codes, quote);
  const variants: string[] = [];
  if (retries.noSideEffects !== undefined) {
    let strict = codeList(retries.noSideEffects, quote);
    if (retries.whenNothingInFlight) strict += ", or any when every batch sent was acknowledged";
    variants.push(`${quote('appendRetryPolicy: "noSideEffects"')}: ${strict}`);
  }
  if (retries.switchable) variants.push(`${quote("enableAppendRetries: false")}: never`);
  if (variants.length > 0) text += ` (${variants.join("; ")})`;
  return text;
}

/** One retried call of the client, as its decorator describes it. */
export interface RetriedCall {
  /** `S2`, `Basin` or `Stream`. */
  readonly owner: string;
  /** The public method (for a private decorated method, the public one that calls it). */
  readonly method: string;
  readonly rpc: Rpc;
  /** `"call"` or `"session"`. */
  readonly kind: string;
}

/**
 * The client's retried calls, read from its classes with `retriedMethods` (each `retryWith`
 * decorator names its RPC in `describe`). Private decorated methods are listed only where decorator
 * metadata exists (the TC39 `Symbol.metadata`, or a compiler's fallback such as esbuild's).
 */
export function retriedCalls(): RetriedCall[] {
  const calls: RetriedCall[] = [];
  for (const cls of [S2, Basin, Stream]) {
    for (const method of retriedMethods(cls)) {
      const details = method.policy.details as { rpc?: Rpc; api?: string } | undefined;
      if (details?.rpc === undefined || method.overridden) continue;
      calls.push({
        owner: method.owner,
        method: details.api ?? String(method.name),
        rpc: details.rpc,
        kind: method.policy.kind,
      });
    }
  }
  // In the order of the retry table (account, basin, stream calls), whatever the decorators' order.
  const order = Object.keys(RPC_IDEMPOTENCY);
  return calls.sort((a, b) => order.indexOf(a.rpc) - order.indexOf(b.rpc));
}

/** The README's "which call retries on what" table, generated from the code. */
export function retryTableMarkdown(calls: readonly RetriedCall[] = retriedCalls()): string {
  const tick = (text: string) => `\`${text}\``;
  const rows = calls.map((call) => {
    const retries = rpcRetries(call.rpc);
    const kind = call.kind === "session" ? " (session)" : "";
    return `| ${tick(`${call.owner.toLowerCase()}.${call.method}`)}${kind} | ${call.rpc} | ${retries.level} | ${retriedOnText(retries, tick)} |`;
  });
  return ["| call | RPC | level | retried on |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

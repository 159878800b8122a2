import type { Metadata } from "@grpc/grpc-js";
import { type Principal, streamPrefix } from "./auth.js";
import { invalid } from "./emulator-error.js";
import type { Faults } from "./faults.js";
import { MAX_REQUEST_TOKEN_LENGTH } from "./limits.js";
import type { Account } from "./model/account.js";
import type { CallCounts, RpcName } from "./rpc-names.js";

/** State shared by every call of one running emulator. */
export interface EmulatorCore {
  readonly account: Account;
  readonly faults: Faults;
  readonly calls: CallCounts;
  readonly rootToken: string | undefined;
  readonly basinHostSuffix: string;
  /** Range of the random quiet interval between heartbeats, ms. */
  readonly heartbeatInterval: { readonly min: number; readonly max: number };
  readonly random: () => number;
  /** Answers of creates by `s2-request-token`, for idempotent retries. */
  readonly requestTokens: Map<string, { fingerprint: string; response: unknown }>;
  /** Abort handles of open calls, ended on close. */
  readonly openCalls: Set<AbortController>;
}

/** One call being served: who calls, with which headers. */
export interface CallContext {
  readonly core: EmulatorCore;
  readonly rpc: RpcName;
  readonly principal: Principal;
  readonly metadata: Metadata;
  /** The `:authority` of the call. */
  readonly host: string;
  /** Aborts when the client cancels or the emulator closes. */
  readonly signal: AbortSignal;
}

function header(metadata: Metadata, name: string): string | undefined {
  const value = metadata.get(name)[0];
  return typeof value === "string" ? value : value?.toString("utf8");
}

/**
 * The basin a Basin or Stream RPC addresses: the `s2-basin` header, else the host name
 * `<basin>.<suffix>` of the call's authority.
 */
export function basinOf(context: CallContext): string {
  const fromHeader = header(context.metadata, "s2-basin");
  if (fromHeader !== undefined && fromHeader !== "") return fromHeader;
  const host = context.host.replace(/:\d+$/, "").toLowerCase();
  const suffix = `.${context.core.basinHostSuffix}`;
  if (host.endsWith(suffix) && host.length > suffix.length) return host.slice(0, -suffix.length);
  throw invalid(
    `no basin: send the s2-basin header or use the endpoint <basin>.${context.core.basinHostSuffix}`,
  );
}

/** The stream name as stored: with the token's auto prefix applied. */
export function fullStreamName(context: CallContext, name: string): string {
  return streamPrefix(context.principal) + name;
}

/** The stream name as the caller sees it: with the token's auto prefix removed. */
export function visibleStreamName(context: CallContext, name: string): string {
  const prefix = streamPrefix(context.principal);
  return prefix !== "" && name.startsWith(prefix) ? name.slice(prefix.length) : name;
}

/**
 * Runs a create once per `s2-request-token`: a retry with the same token and the same request gets
 * the first answer instead of ALREADY_EXISTS.
 */
export async function idempotent<T>(
  context: CallContext,
  scope: string,
  request: unknown,
  create: () => Promise<T>,
): Promise<T> {
  const token = header(context.metadata, "s2-request-token");
  if (token === undefined || token === "") return create();
  if (token.length > MAX_REQUEST_TOKEN_LENGTH) {
    throw invalid(`s2-request-token must be at most ${MAX_REQUEST_TOKEN_LENGTH} characters`);
  }
  const key = `${context.rpc}\u0000${scope}\u0000${token}`;
  const fingerprint = JSON.stringify(request, (_key, value) =>
    typeof value === "bigint" ? value.toString() : value instanceof Uint8Array ? [...value] : value,
  );
  const previous = context.core.requestTokens.get(key);
  if (previous !== undefined && previous.fingerprint === fingerprint) return previous.response as T;
  const response = await create();
  context.core.requestTokens.set(key, { fingerprint, response });
  return response;
}

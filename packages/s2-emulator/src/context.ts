import type { Metadata } from "@grpc/grpc-js";
import { type Principal, streamPrefix } from "./auth.js";
import { invalid } from "./emulator-error.js";
import type { Faults } from "./faults.js";
import { MAX_REQUEST_TOKEN_LENGTH } from "./limits.js";
import type { Account } from "./model/account.js";
import type { RequestTokens } from "./model/request-tokens.js";
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

/** Converts a response to and from its protobuf JSON form (a ts-proto message's functions). */
export interface JsonCodec<T> {
  toJSON(message: T): unknown;
  // biome-ignore lint/suspicious/noExplicitAny: ts-proto's fromJSON takes any
  fromJSON(object: any): T;
}

/**
 * Runs a create once per `s2-request-token`: a retry with the same token and the same request gets
 * the first answer instead of ALREADY_EXISTS. `create` must call `remember` with its answer before
 * it writes the metadata, so that the answer is durable (with a data directory) together with what
 * it created. Answers are kept within the bounds of {@link RequestTokens}.
 */
export async function idempotent<T>(
  context: CallContext,
  scope: string,
  request: unknown,
  codec: JsonCodec<T>,
  create: (remember: (response: T) => void) => Promise<T>,
): Promise<T> {
  const token = header(context.metadata, "s2-request-token");
  if (token === undefined || token === "") return create(() => {});
  if (token.length > MAX_REQUEST_TOKEN_LENGTH) {
    throw invalid(`s2-request-token must be at most ${MAX_REQUEST_TOKEN_LENGTH} characters`);
  }
  const key = `${context.rpc}\u0000${scope}\u0000${token}`;
  const fingerprint = JSON.stringify(request, (_key, value) =>
    typeof value === "bigint" ? value.toString() : value instanceof Uint8Array ? [...value] : value,
  );
  const account = context.core.account;
  const previous = account.requestTokens.get(key, account.now());
  if (previous !== undefined && previous.fingerprint === fingerprint) {
    return codec.fromJSON(previous.response);
  }
  return create((response) => {
    const answeredAt = account.now();
    account.requestTokens.remember(
      { key, fingerprint, response: codec.toJSON(response), answeredAt },
      answeredAt,
    );
  });
}

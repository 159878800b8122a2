import { createHash, randomBytes } from "node:crypto";
import { type Metadata, status } from "@grpc/grpc-js";
import { type AccessTokenScope, Operation, type ResourceSet } from "@retrykit/s2-proto";
import { EmulatorError } from "./emulator-error.js";
import type { Account, IssuedToken } from "./model/account.js";

/** Who is calling: the root (every permission) or an issued access token. */
export type Principal =
  | { readonly kind: "root"; readonly expiresAt: number | undefined }
  | { readonly kind: "token"; readonly token: IssuedToken };

/** The resources an operation touches, checked against the token's resource sets. */
export interface Resources {
  readonly basin?: string | undefined;
  readonly stream?: string | undefined;
  readonly accessToken?: string | undefined;
}

type Group = "account" | "basin" | "stream";

// Which op group (and read or write) covers each operation.
const GROUPS = new Map<Operation, readonly [Group, "read" | "write"]>([
  [Operation.OPERATION_LIST_BASINS, ["account", "read"]],
  [Operation.OPERATION_LIST_ACCESS_TOKENS, ["account", "read"]],
  [Operation.OPERATION_ACCOUNT_METRICS, ["account", "read"]],
  [Operation.OPERATION_CREATE_BASIN, ["account", "write"]],
  [Operation.OPERATION_DELETE_BASIN, ["account", "write"]],
  [Operation.OPERATION_ISSUE_ACCESS_TOKEN, ["account", "write"]],
  [Operation.OPERATION_REVOKE_ACCESS_TOKEN, ["account", "write"]],
  [Operation.OPERATION_GET_BASIN_CONFIG, ["basin", "read"]],
  [Operation.OPERATION_LIST_STREAMS, ["basin", "read"]],
  [Operation.OPERATION_BASIN_METRICS, ["basin", "read"]],
  [Operation.OPERATION_RECONFIGURE_BASIN, ["basin", "write"]],
  [Operation.OPERATION_READ, ["stream", "read"]],
  [Operation.OPERATION_CHECK_TAIL, ["stream", "read"]],
  [Operation.OPERATION_GET_STREAM_CONFIG, ["stream", "read"]],
  [Operation.OPERATION_STREAM_METRICS, ["stream", "read"]],
  [Operation.OPERATION_APPEND, ["stream", "write"]],
  [Operation.OPERATION_TRIM, ["stream", "write"]],
  [Operation.OPERATION_FENCE, ["stream", "write"]],
  [Operation.OPERATION_CREATE_STREAM, ["stream", "write"]],
  [Operation.OPERATION_DELETE_STREAM, ["stream", "write"]],
  [Operation.OPERATION_RECONFIGURE_STREAM, ["stream", "write"]],
]);

/**
 * Checks that a token scope lists only known operations. An unknown number would be kept as is,
 * grant nothing, and come back as `UNRECOGNIZED` once the metadata is read again.
 */
export function validateScopeOps(scope: AccessTokenScope): void {
  scope.ops.forEach((op, index) => {
    if (!GROUPS.has(op)) {
      throw new EmulatorError(
        status.INVALID_ARGUMENT,
        `scope.ops[${index}] must be a known operation (1 to ${GROUPS.size}), got ${op}`,
      );
    }
  });
}

/** A fresh secret for an issued token. */
export function newSecret(): string {
  return randomBytes(24).toString("base64url");
}

/** Tokens are looked up by a hash of their secret, so the secret itself is never stored. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret).digest("hex");
}

/**
 * Finds the caller from `authorization: Bearer <token>`.
 *
 * With a root token configured, the bearer must be it or an issued, unrevoked, unexpired token;
 * anything else is UNAUTHENTICATED. Without one, a missing or unknown bearer is treated as root
 * (convenient for local development), while an issued token still gets exactly its own scope.
 */
export function authenticate(
  metadata: Metadata,
  account: Account,
  rootToken: string | undefined,
): Principal {
  const header = metadata.get("authorization")[0];
  const value = typeof header === "string" ? header : header?.toString("utf8");
  const bearer = value?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  if (bearer !== undefined) {
    if (rootToken !== undefined && bearer === rootToken)
      return { kind: "root", expiresAt: undefined };
    const hash = hashSecret(bearer);
    for (const token of account.tokens.values()) {
      if (token.secretHash !== hash) continue;
      const expiresAt = token.info.expiresAt;
      if (expiresAt !== undefined && expiresAt * 1000 <= account.now()) {
        throw new EmulatorError(status.UNAUTHENTICATED, "access token has expired");
      }
      return { kind: "token", token };
    }
  }
  if (rootToken === undefined) return { kind: "root", expiresAt: undefined };
  throw new EmulatorError(
    status.UNAUTHENTICATED,
    bearer === undefined ? "missing bearer access token" : "invalid access token",
  );
}

/** Whether a resource set admits a name: exact match, or prefix ("" admits all). */
export function matches(set: ResourceSet | undefined, name: string): boolean {
  const matching = set?.matching;
  if (matching === undefined) return false;
  if (matching.$case === "exact") return matching.exact !== "" && matching.exact === name;
  return name.startsWith(matching.prefix);
}

/** Whether the principal may perform `op` at all (ignoring resources). */
export function permits(principal: Principal, op: Operation): boolean {
  return principal.kind === "root" || scopePermits(principal.token.info.scope, op);
}

/** Whether a token scope permits `op`: listed in `ops`, or covered by an op group. */
function scopePermits(scope: AccessTokenScope | undefined, op: Operation): boolean {
  if (scope?.ops.includes(op)) return true;
  const group = GROUPS.get(op);
  if (group === undefined) return false;
  return scope?.opGroups?.[group[0]]?.[group[1]] ?? false;
}

/** Throws PERMISSION_DENIED unless the principal may perform `op` on `resources`. */
export function authorize(principal: Principal, op: Operation, resources: Resources = {}): void {
  if (principal.kind === "root") return;
  const scope = principal.token.info.scope;
  const opName = Operation[op] ?? String(op);
  if (!permits(principal, op)) {
    throw new EmulatorError(status.PERMISSION_DENIED, `access token does not permit ${opName}`);
  }
  const checks: Array<[string | undefined, ResourceSet | undefined, string]> = [
    [resources.basin, scope?.basins, "basin"],
    [resources.stream, scope?.streams, "stream"],
    [resources.accessToken, scope?.accessTokens, "access token"],
  ];
  for (const [name, set, what] of checks) {
    if (name !== undefined && !matches(set, name)) {
      throw new EmulatorError(
        status.PERMISSION_DENIED,
        `access token does not permit ${opName} on ${what} ${JSON.stringify(name)}`,
      );
    }
  }
}

/** Whether every name `inner` admits is admitted by `outer`. */
function resourceSetWithin(
  inner: ResourceSet | undefined,
  outer: ResourceSet | undefined,
): boolean {
  const matching = inner?.matching;
  // Admits nothing: within anything.
  if (matching === undefined || (matching.$case === "exact" && matching.exact === "")) return true;
  if (matching.$case === "exact") return matches(outer, matching.exact);
  // A prefix admits infinitely many names: only a shorter or equal prefix covers them all.
  const outerMatching = outer?.matching;
  return outerMatching?.$case === "prefix" && matching.prefix.startsWith(outerMatching.prefix);
}

/**
 * Why `scope` is not within what the principal may do (an operation or a resource set it would
 * add), or `undefined` when it is: a token may only hand on permissions it has.
 */
export function scopeExcess(principal: Principal, scope: AccessTokenScope): string | undefined {
  if (principal.kind === "root") return undefined;
  for (const op of GROUPS.keys()) {
    if (scopePermits(scope, op) && !permits(principal, op)) return Operation[op] ?? String(op);
  }
  for (const op of scope.ops) {
    if (!permits(principal, op)) return Operation[op] ?? String(op);
  }
  const own = principal.token.info.scope;
  const sets = [
    ["basins", scope.basins, own?.basins],
    ["streams", scope.streams, own?.streams],
    ["access_tokens", scope.accessTokens, own?.accessTokens],
  ] as const;
  for (const [what, inner, outer] of sets) {
    if (!resourceSetWithin(inner, outer)) return `${what} ${JSON.stringify(inner?.matching)}`;
  }
  return undefined;
}

/** Whether the principal may see a resource in a listing. */
export function visible(principal: Principal, kind: keyof Resources, name: string): boolean {
  if (principal.kind === "root") return true;
  const scope = principal.token.info.scope;
  const set =
    kind === "basin" ? scope?.basins : kind === "stream" ? scope?.streams : scope?.accessTokens;
  return matches(set, name);
}

/** The stream-name prefix applied for a token with `auto_prefix_streams`, or "". */
export function streamPrefix(principal: Principal): string {
  if (principal.kind !== "token" || !principal.token.info.autoPrefixStreams) return "";
  const matching = principal.token.info.scope?.streams?.matching;
  return matching?.$case === "prefix" ? matching.prefix : "";
}

/** The expiry (unix seconds) of the caller's own token, if any. */
export function principalExpiry(principal: Principal): number | undefined {
  return principal.kind === "root" ? principal.expiresAt : principal.token.info.expiresAt;
}

import {
  type AccessTokenInfo,
  type AccessTokenScope,
  Operation,
  type PermittedOperationGroups,
  type ReadWritePermissions,
  type ResourceSet,
} from "@retrykit/s2-proto";
import {
  array,
  boolean,
  describe,
  type JsonObject,
  object,
  optional,
  string,
} from "./json-check.js";
import { badJson, invalidInput } from "./rest-error.js";

/** `OPERATION_LIST_BASINS` is `list-basins` in REST v1. */
function operationName(op: Operation): string {
  return (Operation[op] ?? "")
    .replace(/^OPERATION_/, "")
    .toLowerCase()
    .replaceAll("_", "-");
}

const OPERATIONS = new Map<string, Operation>(
  Object.values(Operation)
    .filter((value): value is Operation => typeof value === "number" && value > 0)
    .map((op) => [operationName(op), op]),
);

function resourceSetToJson(set: ResourceSet | undefined): JsonObject | null {
  const matching = set?.matching;
  if (matching === undefined) return null;
  return matching.$case === "exact" ? { exact: matching.exact } : { prefix: matching.prefix };
}

function resourceSetFromJson(value: unknown, field: string): ResourceSet {
  const json = object(value, field);
  if (typeof json.exact === "string") return { matching: { $case: "exact", exact: json.exact } };
  if (typeof json.prefix === "string")
    return { matching: { $case: "prefix", prefix: json.prefix } };
  throw badJson(`${field} must be {"exact": string} or {"prefix": string}, got ${describe(value)}`);
}

function permissionsFromJson(value: unknown, field: string): ReadWritePermissions {
  const json = object(value, field);
  return {
    read: optional(json.read, `${field}.read`, boolean) ?? false,
    write: optional(json.write, `${field}.write`, boolean) ?? false,
  };
}

function groupsFromJson(value: unknown, field: string): PermittedOperationGroups {
  const json = object(value, field);
  return {
    account: optional(json.account, `${field}.account`, permissionsFromJson),
    basin: optional(json.basin, `${field}.basin`, permissionsFromJson),
    stream: optional(json.stream, `${field}.stream`, permissionsFromJson),
  };
}

/** A REST v1 `AccessTokenScope` as the model's scope. */
export function scopeFromJson(value: unknown): AccessTokenScope {
  const json = object(value, "scope");
  const ops = (optional(json.ops, "scope.ops", array) ?? []).map((item, index) => {
    const name = string(item, `scope.ops[${index}]`);
    const op = OPERATIONS.get(name);
    if (op === undefined)
      throw invalidInput(`scope.ops[${index}] is not a known operation: ${name}`);
    return op;
  });
  return {
    basins: optional(json.basins, "scope.basins", resourceSetFromJson),
    streams: optional(json.streams, "scope.streams", resourceSetFromJson),
    accessTokens: optional(json.access_tokens, "scope.access_tokens", resourceSetFromJson),
    opGroups: optional(json.op_groups, "scope.op_groups", groupsFromJson),
    ops,
  };
}

function permissionsToJson(permissions: ReadWritePermissions | undefined): JsonObject | null {
  return permissions === undefined ? null : { read: permissions.read, write: permissions.write };
}

/** The model's scope as REST v1 JSON. */
export function scopeToJson(scope: AccessTokenScope | undefined): JsonObject {
  const groups = scope?.opGroups;
  return {
    basins: resourceSetToJson(scope?.basins),
    streams: resourceSetToJson(scope?.streams),
    access_tokens: resourceSetToJson(scope?.accessTokens),
    op_groups:
      groups === undefined
        ? null
        : {
            account: permissionsToJson(groups.account),
            basin: permissionsToJson(groups.basin),
            stream: permissionsToJson(groups.stream),
          },
    ops: (scope?.ops ?? []).map(operationName),
  };
}

/** An issued token's public information as REST v1 JSON (never its secret). */
export function tokenInfoToJson(info: AccessTokenInfo): JsonObject {
  return {
    id: info.id,
    scope: scopeToJson(info.scope),
    auto_prefix_streams: info.autoPrefixStreams,
    expires_at: info.expiresAt === undefined ? null : rfc3339(info.expiresAt),
  };
}

/** Unix seconds as an RFC 3339 timestamp. */
export function rfc3339(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** An RFC 3339 timestamp as Unix seconds; `bad_json` naming `field` when it is not one. */
export function unixSecondsFromRfc3339(value: unknown, field: string): number {
  const text = string(value, field);
  const ms = Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(ms)) {
    throw badJson(`${field} must be an RFC 3339 timestamp, got ${describe(value)}`);
  }
  return Math.floor(ms / 1000);
}

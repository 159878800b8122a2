import { badJson } from "./rest-error.js";

/** A JSON object (not an array, not null). */
export type JsonObject = Record<string, unknown>;

/** Checks that `value` is a JSON object; `bad_json` naming `field` otherwise. */
export function object(value: unknown, field: string): JsonObject {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw badJson(`${field} must be an object, got ${describe(value)}`);
  }
  return value as JsonObject;
}

/** An optional (absent or null) field of a given JSON type. */
export function optional<T>(
  value: unknown,
  field: string,
  check: (value: unknown, field: string) => T,
): T | undefined {
  return value === undefined || value === null ? undefined : check(value, field);
}

/** A string field. */
export function string(value: unknown, field: string): string {
  if (typeof value !== "string") throw badJson(`${field} must be a string, got ${describe(value)}`);
  return value;
}

/** A boolean field. */
export function boolean(value: unknown, field: string): boolean {
  if (typeof value !== "boolean") {
    throw badJson(`${field} must be a boolean, got ${describe(value)}`);
  }
  return value;
}

/** A u64 field (a non-negative integer JSON number), as bigint. */
export function u64(value: unknown, field: string): bigint {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw badJson(`${field} must be a non-negative integer, got ${describe(value)}`);
  }
  return BigInt(value);
}

/** An array field. */
export function array(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw badJson(`${field} must be an array, got ${describe(value)}`);
  return value;
}

/** One of a fixed set of strings. */
export function oneOf<T extends string>(values: readonly T[]) {
  return (value: unknown, field: string): T => {
    if (typeof value !== "string" || !(values as readonly string[]).includes(value)) {
      throw badJson(`${field} must be one of ${values.join(", ")}, got ${describe(value)}`);
    }
    return value as T;
  };
}

/** A short description of a bad value for an error message. */
export function describe(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Parses a JSON request body; an empty body is `undefined`. */
export function parseJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch (error) {
    throw Object.assign(badJson(`request body is not valid JSON: ${(error as Error).message}`), {
      cause: error,
    });
  }
}

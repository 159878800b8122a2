const inspectCustom = Symbol.for("nodejs.util.inspect.custom");
const REDACTED = "AccessToken(<redacted>)";
const HIDDEN = "<redacted>";

/**
 * The token of every client made in this process. Errors are scrubbed of all of them: an error
 * raised by a lower layer (grpc-js, Node's HTTP/2, a server echoing a header) names no client.
 */
const secrets = new Set<string>();

/**
 * Below this length a token is only hidden where it follows `Bearer `: replacing every occurrence
 * of a very short string would garble messages without protecting anything.
 */
const MIN_BARE_SECRET = 8;

/** Visible ASCII (0x21–0x7E): what an HTTP header value carries unchanged and a bearer token holds. */
const VALID_TOKEN = /^[\x21-\x7e]+$/;

/**
 * Holds the bearer token so that it cannot leak: the value lives in a private field, and
 * `toString`, `toJSON` and `util.inspect` print a placeholder. Only the call layer reads it, to set
 * the `authorization` header of each request. A token that an HTTP header cannot carry (a space,
 * a control character, a non-ASCII character) is refused here, with a message that does not
 * contain it, rather than by a lower layer whose message would.
 */
export class AccessToken {
  readonly #value: string;

  constructor(value: unknown) {
    if (typeof value !== "string" || value.length === 0) {
      // The message must not echo a token, so only its type is named.
      throw new TypeError(
        `accessToken must be a non-empty string, got ${typeof value === "string" ? "an empty string" : value === null ? "null" : `a value of type ${typeof value}`}`,
      );
    }
    if (!VALID_TOKEN.test(value)) {
      const at = [...value].findIndex((c) => !VALID_TOKEN.test(c));
      throw new TypeError(
        `accessToken must contain only visible ASCII characters (no spaces, control or non-ASCII characters); character ${at + 1} of ${value.length} is not one`,
      );
    }
    this.#value = value;
    secrets.add(value);
  }

  /** The `authorization` header value. */
  bearer(): string {
    return `Bearer ${this.#value}`;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspectCustom](): string {
    return REDACTED;
  }
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `text` with every client's access token replaced by `<redacted>`. @internal */
export function redactSecrets(text: string): string {
  if (secrets.size === 0) return text;
  let result = text;
  for (const secret of secrets) {
    if (!result.includes(secret)) continue;
    result =
      secret.length >= MIN_BARE_SECRET
        ? result.split(secret).join(HIDDEN)
        : result.replace(new RegExp(`(Bearer\\s+)${escapeRegExp(secret)}`, "g"), `$1${HIDDEN}`);
  }
  return result;
}

const SCRUBBED_FIELDS = ["message", "stack", "details"] as const;

/**
 * Removes every client's access token from `error` in place: its `message`, `stack` and `details`
 * (grpc-js), then the same along its `cause` chain and an `AggregateError`'s `errors`. Returns
 * `error`. @internal
 */
export function scrubSecrets<T>(error: T): T {
  if (secrets.size === 0) return error;
  const seen = new Set<object>();
  const visit = (value: unknown, depth: number): void => {
    if (typeof value !== "object" || value === null || seen.has(value) || depth > 16) return;
    seen.add(value);
    for (const field of SCRUBBED_FIELDS) {
      const text = (value as Record<string, unknown>)[field];
      if (typeof text !== "string") continue;
      const clean = redactSecrets(text);
      if (clean === text) continue;
      try {
        Object.defineProperty(value, field, {
          value: clean,
          writable: true,
          configurable: true,
          enumerable: Object.prototype.propertyIsEnumerable.call(value, field),
        });
      } catch {
        // A frozen error cannot be cleaned; nothing else can be done from here.
      }
    }
    visit((value as { cause?: unknown }).cause, depth + 1);
    const errors = (value as { errors?: unknown }).errors;
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1);
  };
  visit(error, 0);
  return error;
}

import { show } from "./validate.js";

const inspectCustom = Symbol.for("nodejs.util.inspect.custom");
const REDACTED = "AccessToken(<redacted>)";

/**
 * Holds the bearer token so that it cannot leak: the value lives in a private field, and
 * `toString`, `toJSON` and `util.inspect` print a placeholder. Only the call layer reads it, to set
 * the `authorization` header of each request.
 */
export class AccessToken {
  readonly #value: string;

  constructor(value: unknown) {
    if (typeof value !== "string" || value.length === 0) {
      // The message must not echo a token, so only its type is named.
      throw new TypeError(
        `accessToken must be a non-empty string, got ${typeof value === "string" ? "an empty string" : show(typeof value)}`,
      );
    }
    if (/[\r\n]/.test(value)) throw new RangeError("accessToken must not contain line breaks");
    this.#value = value;
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

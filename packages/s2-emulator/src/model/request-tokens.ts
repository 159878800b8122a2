/** How many create answers are kept for `s2-request-token` retries, at most. */
export const REQUEST_TOKEN_MAX_ENTRIES = 1000;
/** How long (ms) a create answer is kept for `s2-request-token` retries: 24 hours. */
export const REQUEST_TOKEN_MAX_AGE_MS = 24 * 3600 * 1000;

/** The answer of one create, as kept for retries with the same `s2-request-token`. */
export interface RequestTokenAnswer {
  /** RPC, scope and token: what a retry must repeat to get this answer. */
  readonly key: string;
  /** The request, serialized: a retry must send the same one. */
  readonly fingerprint: string;
  /** The response in its protobuf JSON form. */
  readonly response: unknown;
  /** When the create was answered, ms since the Unix epoch. */
  readonly answeredAt: number;
}

/**
 * Answers of creates by `s2-request-token`, bounded in number and age so that they cannot grow
 * without limit: a retry comes within seconds or minutes, not days. The oldest answers go first.
 * Kept with the account's metadata, so with a data directory they survive a restart and are
 * written in the same atomic write as the create they answer.
 */
export class RequestTokens {
  readonly #answers = new Map<string, RequestTokenAnswer>();
  readonly #maxEntries: number;
  readonly #maxAgeMs: number;

  /**
   * @param maxEntries - most answers kept.
   * @param maxAgeMs - how long an answer is kept, ms.
   */
  constructor(maxEntries = REQUEST_TOKEN_MAX_ENTRIES, maxAgeMs = REQUEST_TOKEN_MAX_AGE_MS) {
    if (!(Number.isInteger(maxEntries) && maxEntries >= 1)) {
      throw new RangeError(`maxEntries must be an integer >= 1, got ${maxEntries}`);
    }
    if (!(Number.isFinite(maxAgeMs) && maxAgeMs > 0)) {
      throw new RangeError(`maxAgeMs must be > 0 ms, got ${maxAgeMs}`);
    }
    this.#maxEntries = maxEntries;
    this.#maxAgeMs = maxAgeMs;
  }

  /** The answer kept for `key`, unless it is too old. */
  get(key: string, now: number): RequestTokenAnswer | undefined {
    const answer = this.#answers.get(key);
    if (answer === undefined || this.#expired(answer, now)) return undefined;
    return answer;
  }

  /** Keeps an answer (replacing one with the same key), then drops what is beyond the bounds. */
  remember(answer: RequestTokenAnswer, now: number): void {
    // Re-inserted, so the map stays in answer order and the oldest come first.
    this.#answers.delete(answer.key);
    this.#answers.set(answer.key, answer);
    this.prune(now);
  }

  /** Drops answers that are too old, then the oldest beyond the size bound. */
  prune(now: number): void {
    for (const [key, answer] of this.#answers) {
      if (this.#expired(answer, now) || this.#answers.size > this.#maxEntries) {
        this.#answers.delete(key);
      }
    }
  }

  /** The answers, oldest first (for the metadata snapshot). */
  list(): RequestTokenAnswer[] {
    return [...this.#answers.values()];
  }

  /** Number of answers kept. */
  get size(): number {
    return this.#answers.size;
  }

  #expired(answer: RequestTokenAnswer, now: number): boolean {
    return now - answer.answeredAt >= this.#maxAgeMs;
  }
}

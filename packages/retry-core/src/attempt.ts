import type { Clock } from "./clock.js";

/**
 * What a running attempt can know about itself. Pass `signal` to the underlying work (a fetch, a gRPC
 * call) so that an attempt timeout, the deadline or the caller's abort really cancels it.
 */
export interface AttemptContext {
  /** The attempt number, 1-based (in a session: counted since the last attempt that delivered an item). */
  readonly attempt: number;
  /** Aborts when this attempt times out, the deadline passes or the caller aborts. Created on first read. */
  readonly signal: AbortSignal;
  /** The previous attempt's error (`undefined` on the first attempt). */
  readonly lastError: unknown;
  /** Milliseconds since the call started. */
  elapsed(): number;
  /** Milliseconds until the attempt timeout or the deadline, whichever comes first; `undefined` if neither is set. */
  remaining(): number | undefined;
}

// Attempt states (plain numbers keep the object's shape small and monomorphic).
const Running = 0;
const Aborted = 1;
const Finished = 2;

/**
 * The engine's implementation of `AttemptContext`. Its AbortController is created only when someone
 * reads `signal`, so attempts whose function never asks pay nothing for it.
 *
 * @internal
 */
export class AttemptState implements AttemptContext {
  readonly attempt: number;
  readonly lastError: unknown;
  /** Clock reading at the start of the call. */
  readonly startedAt: number;
  readonly #clock: Clock;
  /** Absolute clock time at which this attempt's time runs out, or NaN when unbounded. */
  readonly #endsAt: number;
  #controller: AbortController | undefined = undefined;
  #state: number = Running;
  #reason: unknown = undefined;

  constructor(
    clock: Clock,
    attempt: number,
    lastError: unknown,
    startedAt: number,
    endsAt: number,
  ) {
    this.#clock = clock;
    this.attempt = attempt;
    this.lastError = lastError;
    this.startedAt = startedAt;
    this.#endsAt = endsAt;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#state === Aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  elapsed(): number {
    return this.#clock.now() - this.startedAt;
  }

  remaining(): number | undefined {
    if (Number.isNaN(this.#endsAt)) return undefined;
    return Math.max(0, this.#endsAt - this.#clock.now());
  }

  /** Aborts the attempt's signal (now, or when it is first read); no effect once finished. */
  abort(reason: unknown): void {
    if (this.#state !== Running) return;
    this.#state = Aborted;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }

  /** The attempt settled on its own: its signal will never abort. */
  finish(): void {
    if (this.#state === Running) this.#state = Finished;
  }
}

/**
 * Whoever is starting an attempt right now; it creates the context when the attempt asks for it.
 *
 * @internal
 */
export interface AttemptOwner {
  createAttemptState(): AttemptState;
}

// The attempt being started is published in module slots only while the retried function runs its
// synchronous part; a stack keeps nested retried calls (a retried function calling another) apart.
let owner: AttemptOwner | undefined;
let created: AttemptState | undefined;
const saved: Array<AttemptOwner | AttemptState | undefined> = [];

/**
 * The context of the attempt now starting, or `undefined` outside a retried function. Read it
 * synchronously at the top of the retried function (or the decorated method, or the body of a
 * retried async generator), before its first `await`; keep the returned object for later use.
 *
 * @example
 * ```ts
 * import { asyncBackoff, currentAttempt } from "@retrykit/retry-core";
 * const load = asyncBackoff({ attemptTimeout: 500, maxTries: 3, retryIf: () => true })(
 *   async (url: string) => {
 *     const attempt = currentAttempt()!;
 *     const response = await fetch(url, { signal: attempt.signal });
 *     return response.text();
 *   },
 * );
 * ```
 */
export function currentAttempt(): AttemptContext | undefined {
  if (owner === undefined) return undefined;
  if (created === undefined) created = owner.createAttemptState();
  return created;
}

/** @internal Publishes `next` as the attempt now starting. Pair with `leaveAttempt`. */
export function enterAttempt(next: AttemptOwner): void {
  // Only a nested publication has anything to save: the outermost one starts from nothing (no
  // owner, no context), which keeps the common case to one store.
  if (owner !== undefined) {
    saved.push(owner, created);
    created = undefined;
  }
  owner = next;
}

/** @internal Ends the publication; returns the context if the attempt asked for one. */
export function leaveAttempt(): AttemptState | undefined {
  const state = created;
  if (saved.length === 0) {
    owner = undefined;
    if (state !== undefined) created = undefined;
  } else {
    created = saved.pop() as AttemptState | undefined;
    owner = saved.pop() as AttemptOwner | undefined;
  }
  return state;
}

import type { BackoffOptions } from "../backoff-options.js";
import type { RetryPolicy } from "../policy.js";
import type { DelayStrategy } from "../strategies/delay-strategy.js";
import { type DelayStrategyDescription, strategyDescription } from "../strategies/description.js";

/** What a decorator or wrapper retries: one call of an async function, or an async generator as a session. */
export type RetriedKind = "call" | "session";

/** The fields every description has. */
interface DescriptionBase {
  /** `"call"`: each call of an async (or, for `Retry`, sync) function; `"session"`: an async generator retried as a stream. */
  readonly kind: RetriedKind;
  /** What made the wrapper: `"asyncBackoff"`, `"asyncRetry"`, `"retryWith"`, `"Retry"`, `"Retry.retry"` or `"Retry.aioretry"`. */
  readonly decorator: string;
  /** The name of the wrapped function or method. */
  readonly name: string;
}

/**
 * A policy fixed when the decorator was made (`asyncBackoff`, `asyncRetry`, kaioretry's `Retry`),
 * or the policy a `retryWith` selector chose for one instance. Durations are milliseconds; `null`
 * means "no limit".
 */
export interface FixedPolicyDescription extends DescriptionBase {
  readonly source: "fixed";
  /** Total attempts; `null` = unlimited. */
  readonly maxTries: number | null;
  readonly attemptTimeout: number | null;
  readonly deadline: number | null;
  /** Sessions: the longest wait for the next item. */
  readonly idleTimeout: number | null;
  /** The pause between attempts: milliseconds, or the strategy's own description. */
  readonly pause: number | DelayStrategyDescription;
  /** Names of the error classes retried (attempt timeouts are always retried). */
  readonly exceptions: readonly string[];
  /** True when any thrown value is retried (`asyncRetry` and `Retry` without exceptions). */
  readonly anyError: boolean;
  /** Whether a `retryIf` predicate is set (besides `anyError`). */
  readonly retryIf: boolean;
  readonly giveup: boolean;
  /** Whether a `retryAfter` hint can replace the pause. */
  readonly retryAfter: boolean;
  /** Sessions: whether a `resume` hook lets a session continue after delivered items. */
  readonly resume: boolean;
  /** Whether a signal cancels every call. */
  readonly signal: boolean;
  readonly onRetry: boolean;
  readonly onGiveUp: boolean;
  /** For kaioretry's `Retry`: `"auto"` (sync stays sync), `"sync"` (`.retry`) or `"async"` (`.aioretry`). */
  readonly mode?: "auto" | "sync" | "async";
  /** Free-form details the decorator was given (`retryWith`'s `describe` option). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * A `retryWith` method: its Backoff is chosen per call from the instance (and the arguments), so
 * the class alone cannot tell the limits. What is known: the selector's name, the per-call
 * overrides, the details given with the `describe` option, and, when the description was asked
 * for one instance (`retryPolicyOf(method, instance)`, `retriedMethods(instance)`), `resolved`:
 * the policy the selector chose for it (`null`: that instance calls once, without retrying;
 * `undefined`: the selector needs the call's arguments, or threw).
 */
export interface PerInstancePolicyDescription extends DescriptionBase {
  readonly source: "per-instance";
  /** The selector's function name (`"anonymous"` for an arrow function written inline). */
  readonly select: string;
  /** Whether a per-call `signal` function is set. */
  readonly signal: boolean;
  /** Whether `resume` is overridden for sessions. */
  readonly resume: boolean;
  /** The `idleTimeout` override (`null` = the chosen Backoff's own). */
  readonly idleTimeout: number | null;
  /** The details given with the `describe` option. */
  readonly details?: Readonly<Record<string, unknown>>;
  /** The policy chosen for one instance (only in descriptions asked for an instance). */
  readonly resolved?: FixedPolicyDescription | null;
}

/**
 * The description `retryPolicyOf` returns: a frozen, plain object (JSON-serialisable; no functions).
 * Tell the two kinds apart with `source`.
 */
export type RetryPolicyDescription = FixedPolicyDescription | PerInstancePolicyDescription;

/**
 * Retries anything: the filter of `asyncRetry` and of `Retry` without exceptions. One shared
 * function, so that descriptions can tell "any error" from a predicate of the user's. @internal
 */
export function anyError(): boolean {
  return true;
}

type ErrorClass = abstract new (...args: never[]) => unknown;

/** What a compiled policy keeps private and its description needs. */
interface PolicyFacts {
  readonly pause: BackoffOptions["pause"];
  readonly exceptions: readonly ErrorClass[];
  readonly retryIf: unknown;
  readonly giveup: boolean;
  readonly retryAfter: boolean;
  readonly onRetry: boolean;
  readonly onGiveUp: boolean;
}

const facts = new WeakMap<RetryPolicy, PolicyFacts>();

/**
 * Keeps what a policy's description needs, read once from the (already validated) options when the
 * policy is compiled: a few references, so compiling stays cheap and calls pay nothing. @internal
 */
export function rememberPolicyOptions(policy: RetryPolicy, options: BackoffOptions): RetryPolicy {
  facts.set(policy, {
    pause: options.pause,
    exceptions:
      options.exceptions === undefined || options.exceptions === null
        ? []
        : [...options.exceptions],
    retryIf: options.retryIf ?? undefined,
    giveup: typeof options.giveup === "function",
    retryAfter: typeof options.retryAfter === "function",
    onRetry: typeof options.onRetry === "function",
    onGiveUp: typeof options.onGiveUp === "function",
  });
  return policy;
}

function describePause(pause: BackoffOptions["pause"]): number | DelayStrategyDescription {
  if (pause === null || pause === undefined) return 0;
  if (typeof pause === "number") return pause;
  const strategy = pause as DelayStrategy;
  return typeof strategy.describe === "function"
    ? strategy.describe()
    : strategyDescription("custom");
}

function limit(value: number | undefined): number | null {
  return value === undefined || value === Number.POSITIVE_INFINITY ? null : value;
}

function freezeDetails(
  details: Readonly<Record<string, unknown>> | undefined,
): Readonly<Record<string, unknown>> | undefined {
  return details === undefined ? undefined : Object.freeze({ ...details });
}

/** Session settings that replace the policy's own (`retryWith`'s overrides). @internal */
export interface DescriptionOverrides {
  readonly mode?: "auto" | "sync" | "async";
  readonly idleTimeout?: number | undefined;
  readonly resume?: boolean;
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

/** The frozen description of a compiled policy, as used by one wrapper. @internal */
export function describePolicy(
  policy: RetryPolicy,
  kind: RetriedKind,
  decorator: string,
  name: string,
  overrides: DescriptionOverrides = {},
): FixedPolicyDescription {
  const known = facts.get(policy);
  const retryIf = known?.retryIf;
  const description: { -readonly [K in keyof FixedPolicyDescription]: FixedPolicyDescription[K] } =
    {
      kind,
      source: "fixed",
      decorator,
      name,
      maxTries: limit(policy.maxTries),
      attemptTimeout: limit(policy.attemptTimeout),
      deadline: limit(policy.deadline),
      idleTimeout: limit(overrides.idleTimeout ?? policy.idleTimeout),
      pause: describePause(known?.pause),
      exceptions: Object.freeze(
        (known?.exceptions ?? []).map((error) => error.name || "anonymous"),
      ),
      anyError: retryIf === anyError,
      retryIf: typeof retryIf === "function" && retryIf !== anyError,
      giveup: known?.giveup ?? false,
      retryAfter: known?.retryAfter ?? false,
      resume: overrides.resume ?? policy.resume !== undefined,
      signal: policy.signal !== undefined,
      onRetry: known?.onRetry ?? false,
      onGiveUp: known?.onGiveUp ?? false,
    };
  if (overrides.mode !== undefined) description.mode = overrides.mode;
  const details = freezeDetails(overrides.details);
  if (details !== undefined) description.details = details;
  return Object.freeze(description);
}

/** The frozen description of a `retryWith` method. @internal */
export function describePerInstance(
  kind: RetriedKind,
  name: string,
  select: Function,
  settings: {
    readonly signal: boolean;
    readonly resume: boolean;
    readonly idleTimeout: number | undefined;
    readonly details: Readonly<Record<string, unknown>> | undefined;
  },
  resolved?: FixedPolicyDescription | null,
): PerInstancePolicyDescription {
  const description: {
    -readonly [K in keyof PerInstancePolicyDescription]: PerInstancePolicyDescription[K];
  } = {
    kind,
    source: "per-instance",
    decorator: "retryWith",
    name,
    select: select.name || "anonymous",
    signal: settings.signal,
    resume: settings.resume,
    idleTimeout: limit(settings.idleTimeout),
  };
  const details = freezeDetails(settings.details);
  if (details !== undefined) description.details = details;
  if (resolved !== undefined) description.resolved = resolved;
  return Object.freeze(description);
}

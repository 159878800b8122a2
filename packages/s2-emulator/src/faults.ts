import { status } from "@grpc/grpc-js";
import { RPC_NAMES, type RpcName } from "./rpc-names.js";

/** When a rule fires, among the events it matches. Without `every` or `probability`, always. */
export interface FaultTrigger {
  /** RPC the rule applies to, or `"*"` for all. */
  readonly rpc: RpcName | "*";
  /** Fire on the Nth, 2Nth, ... matching event. */
  readonly every?: number | undefined;
  /** Fire with this probability (0 to 1), drawn from the emulator's seeded generator. */
  readonly probability?: number | undefined;
  /** Let this many matching events pass before the rule may fire. */
  readonly after?: number | undefined;
  /** Fire at most this many times. */
  readonly times?: number | undefined;
}

/**
 * A fault to inject. Events are calls, except for `drop-ack`, whose events are append batches (a
 * unary Append or one input of an AppendSession).
 *
 * - `status`: fail the call with `code` (and optional `trailers`, e.g. `retry-after-ms`) before it
 *   does anything.
 * - `latency`: delay the call's start by `ms`.
 * - `break`: end a session with UNAVAILABLE after it has sent `afterMessages` responses.
 * - `drop-ack`: apply the append, then fail with UNAVAILABLE instead of acknowledging it.
 * - `reset`: reset the call's connection before it does anything (over REST the TCP connection,
 *   or the HTTP/2 connection, is destroyed; gRPC has no hold on its connection, so there the call
 *   fails with UNAVAILABLE "connection reset").
 * - `reconnect`: set the s2s "reconnect advised" flag on every frame of a REST session after its
 *   first `afterMessages` frames (gRPC has no such flag: there the rule never fires).
 */
export type FaultRule = FaultTrigger &
  (
    | {
        readonly kind: "status";
        readonly code: status;
        readonly message?: string | undefined;
        readonly trailers?: Readonly<Record<string, string>> | undefined;
      }
    | { readonly kind: "latency"; readonly ms: number }
    | { readonly kind: "break"; readonly afterMessages: number }
    | { readonly kind: "drop-ack" }
    | { readonly kind: "reset" }
    | { readonly kind: "reconnect"; readonly afterMessages: number }
  );

/** A rule with what it has seen and done. */
export interface FaultRuleState {
  readonly id: number;
  readonly rule: FaultRule;
  /** Matching events seen. */
  matched: number;
  /** Faults injected. */
  injected: number;
}

/** Seeded 32-bit generator (mulberry32): the same seed gives the same faults. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The fault rules of an emulator, with counts of what was injected. Rules can be added and
 * removed while the emulator runs.
 */
export class Faults {
  readonly #rules: FaultRuleState[] = [];
  /** Per rule, faults decided for calls still running and not yet counted or released. */
  readonly #reserved = new WeakMap<FaultRuleState, number>();
  #random: () => number;
  #nextId = 1;
  /** Faults injected in total. */
  injected = 0;
  /** Faults injected per kind. */
  readonly injectedByKind: Record<FaultRule["kind"], number> = {
    status: 0,
    latency: 0,
    break: 0,
    "drop-ack": 0,
    reset: 0,
    reconnect: 0,
  };

  /** @param seed - seed of the generator behind `probability`. */
  constructor(seed = 0) {
    this.#random = seededRandom(seed);
  }

  /** Adds a rule (an object or a `--fault` string) and returns its id. */
  add(rule: FaultRule | string): number {
    const parsed = typeof rule === "string" ? parseFault(rule) : validateFault(rule);
    const id = this.#nextId++;
    this.#rules.push({ id, rule: parsed, matched: 0, injected: 0 });
    return id;
  }

  /** Removes one rule. */
  remove(id: number): boolean {
    const index = this.#rules.findIndex((state) => state.id === id);
    if (index < 0) return false;
    this.#rules.splice(index, 1);
    return true;
  }

  /** Removes every rule and zeroes the counts. */
  clear(): void {
    this.#rules.length = 0;
    this.resetCounts();
  }

  /** Zeroes the counts of injected faults. */
  resetCounts(): void {
    this.injected = 0;
    for (const kind of Object.keys(this.injectedByKind) as FaultRule["kind"][]) {
      this.injectedByKind[kind] = 0;
    }
    for (const state of this.#rules) {
      state.matched = 0;
      state.injected = 0;
    }
  }

  /** Restarts the generator, so the same rules replay the same faults. */
  reseed(seed: number): void {
    this.#random = seededRandom(seed);
  }

  /** The rules with their counts. */
  get rules(): readonly Readonly<FaultRuleState>[] {
    return this.#rules;
  }

  /**
   * Decides what to inject into a call of `rpc` as it starts. Nothing is counted yet: the call
   * reports each fault through the returned plan once it has really happened, so a break that never
   * comes (the session failed on a status fault, or ended first) is not counted as injected.
   */
  onCall(rpc: RpcName, front: "grpc" | "rest" = "grpc"): CallFaultPlan {
    const latencies: FaultRuleState[] = [];
    let fail: FaultRuleState | undefined;
    let breaking: FaultRuleState | undefined;
    let reset: FaultRuleState | undefined;
    let reconnect: FaultRuleState | undefined;
    const isSession = rpc === "AppendSession" || rpc === "ReadSession";
    for (const state of this.#rules) {
      const kind = state.rule.kind;
      // Rules that cannot apply to this call do not see it as an event.
      if (kind === "drop-ack" || ((kind === "break" || kind === "reconnect") && !isSession)) {
        continue;
      }
      if (kind === "reconnect" && front === "grpc") continue;
      if (!this.#fires(state, rpc)) continue;
      if (kind === "latency") {
        latencies.push(state);
      } else if (kind === "status") {
        if (fail !== undefined) continue;
        fail = state;
      } else if (kind === "reset") {
        if (reset !== undefined) this.settle(state, false);
        else reset = state;
      } else if (kind === "reconnect") {
        if (reconnect === undefined || afterMessagesOf(state) < afterMessagesOf(reconnect)) {
          if (reconnect !== undefined) this.settle(reconnect, false);
          reconnect = state;
        } else {
          this.settle(state, false);
        }
      } else if (breaking === undefined || afterMessagesOf(state) < afterMessagesOf(breaking)) {
        breaking = state;
      }
    }
    return new CallFaultPlan(this, latencies, fail, breaking, reset, reconnect);
  }

  /** Whether to drop the acknowledgement of an append batch of `rpc` (counted at once: it is). */
  onAppendBatch(rpc: RpcName): boolean {
    for (const state of this.#rules) {
      if (state.rule.kind !== "drop-ack" || !this.#fires(state, rpc)) continue;
      this.#reserve(state);
      this.settle(state, true);
      return true;
    }
    return false;
  }

  /**
   * Ends the reservation a firing rule took: counts the fault when it was injected, or frees its
   * place under `times` when it was not.
   * @internal
   */
  settle(state: FaultRuleState, injected: boolean): void {
    const reserved = this.#reserved.get(state) ?? 0;
    if (reserved > 0) this.#reserved.set(state, reserved - 1);
    if (!injected) return;
    state.injected++;
    this.injected++;
    this.injectedByKind[state.rule.kind]++;
  }

  #reserve(state: FaultRuleState): void {
    this.#reserved.set(state, (this.#reserved.get(state) ?? 0) + 1);
  }

  #fires(state: FaultRuleState, rpc: RpcName): boolean {
    const rule = state.rule;
    if (rule.rpc !== "*" && rule.rpc !== rpc) return false;
    // Faults decided for calls still running count against `times` too.
    const reserved = this.#reserved.get(state) ?? 0;
    if (rule.times !== undefined && state.injected + reserved >= rule.times) return false;
    state.matched++;
    const seen = state.matched - (rule.after ?? 0);
    if (seen <= 0) return false;
    if (rule.every !== undefined && seen % rule.every !== 0) return false;
    if (rule.probability !== undefined && this.#random() >= rule.probability) return false;
    this.#reserve(state);
    return true;
  }
}

function afterMessagesOf(state: FaultRuleState): number {
  return state.rule.kind === "break" || state.rule.kind === "reconnect"
    ? state.rule.afterMessages
    : Number.POSITIVE_INFINITY;
}

/**
 * The faults decided for one call. The call reports what it really did (`delayed`, `failed`,
 * `broke`) and `settle`s at its end; only reported faults are counted.
 */
export class CallFaultPlan {
  readonly #faults: Faults;
  readonly #latencies: readonly FaultRuleState[];
  readonly #fail: FaultRuleState | undefined;
  readonly #breaking: FaultRuleState | undefined;
  readonly #reset: FaultRuleState | undefined;
  readonly #reconnect: FaultRuleState | undefined;
  /** Rules that fired for this call and are neither counted nor released yet. */
  readonly #pending = new Set<FaultRuleState>();

  /** @internal */
  constructor(
    faults: Faults,
    latencies: readonly FaultRuleState[],
    fail: FaultRuleState | undefined,
    breaking: FaultRuleState | undefined,
    reset?: FaultRuleState | undefined,
    reconnect?: FaultRuleState | undefined,
  ) {
    this.#faults = faults;
    this.#latencies = latencies;
    this.#fail = fail;
    this.#breaking = breaking;
    this.#reset = reset;
    this.#reconnect = reconnect;
    for (const state of [...latencies, fail, breaking, reset, reconnect]) {
      if (state !== undefined) this.#pending.add(state);
    }
  }

  /** Total delay (ms) to add before the call starts. */
  get latency(): number {
    let total = 0;
    for (const { rule } of this.#latencies) if (rule.kind === "latency") total += rule.ms;
    return total;
  }

  /** The status fault to fail the call with, if any. */
  get fail(): Extract<FaultRule, { kind: "status" }> | undefined {
    const rule = this.#fail?.rule;
    return rule?.kind === "status" ? rule : undefined;
  }

  /** After how many responses to break the session, if at all. */
  get breakAfter(): number | undefined {
    return this.#breaking === undefined ? undefined : afterMessagesOf(this.#breaking);
  }

  /** Whether to reset the call's connection. */
  get reset(): boolean {
    return this.#reset !== undefined;
  }

  /** After how many frames a REST session's frames carry the reconnect-advised flag, if at all. */
  get reconnectAfter(): number | undefined {
    return this.#reconnect === undefined ? undefined : afterMessagesOf(this.#reconnect);
  }

  /** The connection was reset. */
  wasReset(): void {
    if (this.#reset !== undefined) this.#report(this.#reset);
  }

  /** A frame carried the reconnect-advised flag. */
  advisedReconnect(): void {
    if (this.#reconnect !== undefined) this.#report(this.#reconnect);
  }

  /** The call's start is being delayed by the latency. */
  delayed(): void {
    for (const state of this.#latencies) this.#report(state);
  }

  /** The call failed with the status fault. */
  failed(): void {
    if (this.#fail !== undefined) this.#report(this.#fail);
  }

  /** The session was broken. */
  broke(): void {
    if (this.#breaking !== undefined) this.#report(this.#breaking);
  }

  /** The call ended: the faults not reported were not injected. Safe to call more than once. */
  settle(): void {
    for (const state of this.#pending) this.#faults.settle(state, false);
    this.#pending.clear();
  }

  #report(state: FaultRuleState): void {
    if (this.#pending.delete(state)) this.#faults.settle(state, true);
  }
}

const STATUS_NAMES = Object.keys(status).filter((key) => Number.isNaN(Number(key)));

/** Checks a rule's fields, with errors naming the bad one. */
export function validateFault(rule: FaultRule): FaultRule {
  if (typeof rule !== "object" || rule === null) {
    throw new TypeError(`fault rule must be an object, got ${String(rule)}`);
  }
  if (rule.rpc !== "*" && !(RPC_NAMES as readonly string[]).includes(rule.rpc)) {
    throw new RangeError(
      `fault rpc must be "*" or one of ${RPC_NAMES.join(", ")}, got ${JSON.stringify(rule.rpc)}`,
    );
  }
  const positiveInteger = (name: string, value: number | undefined, min: number) => {
    if (value !== undefined && (!Number.isInteger(value) || value < min)) {
      throw new RangeError(`fault ${name} must be an integer >= ${min}, got ${value}`);
    }
  };
  positiveInteger("every", rule.every, 1);
  positiveInteger("after", rule.after, 0);
  positiveInteger("times", rule.times, 1);
  if (
    rule.probability !== undefined &&
    !(typeof rule.probability === "number" && rule.probability >= 0 && rule.probability <= 1)
  ) {
    throw new RangeError(`fault probability must be between 0 and 1, got ${rule.probability}`);
  }
  switch (rule.kind) {
    case "status":
      if (!Number.isInteger(rule.code) || rule.code <= 0 || rule.code > 16) {
        throw new RangeError(`fault code must be a gRPC status from 1 to 16, got ${rule.code}`);
      }
      break;
    case "latency":
      if (!(Number.isFinite(rule.ms) && rule.ms >= 0)) {
        throw new RangeError(`fault latency ms must be >= 0, got ${rule.ms}`);
      }
      break;
    case "break":
    case "reconnect":
      positiveInteger("afterMessages", rule.afterMessages, 0);
      break;
    case "drop-ack":
    case "reset":
      break;
    default:
      throw new RangeError(
        `fault kind must be status, latency, break, drop-ack, reset or reconnect, got ${JSON.stringify((rule as { kind: unknown }).kind)}`,
      );
  }
  return rule;
}

/**
 * Parses the `--fault` syntax: `RPC:ACTION[:OPTION]...`, where RPC is an RPC name or `*`, ACTION
 * is a gRPC status name (`UNAVAILABLE`), `latency=20ms`, `break-after=N`, `drop-ack`, `reset` or
 * `reconnect-after=N`, and
 * OPTIONs are `every=N`, `p=0.1`, `after=N`, `times=N`, `message=TEXT`, `retry-after-ms=N`
 * or `trailer.NAME=VALUE`.
 *
 * @example
 * ```ts
 * parseFault("Append:UNAVAILABLE:every=5");
 * parseFault("Append:RESOURCE_EXHAUSTED:p=0.2:retry-after-ms=50");
 * parseFault("ReadSession:break-after=100");
 * parseFault("AppendSession:drop-ack:p=0.01");
 * parseFault("*:latency=20ms");
 * parseFault("Append:reset:times=1");
 * parseFault("AppendSession:reconnect-after=3");
 * ```
 */
export function parseFault(text: string): FaultRule {
  if (typeof text !== "string") throw new TypeError(`fault must be a string, got ${typeof text}`);
  const [rpc, action, ...options] = text.split(":");
  if (rpc === undefined || rpc === "" || action === undefined || action === "") {
    throw new RangeError(
      `fault must look like RPC:ACTION[:OPTION...], got ${JSON.stringify(text)}`,
    );
  }
  const trigger: { -readonly [K in keyof FaultTrigger]: FaultTrigger[K] } = { rpc: rpc as RpcName };
  const trailers: Record<string, string> = {};
  let message: string | undefined;
  for (const option of options) {
    const equals = option.indexOf("=");
    const key = equals < 0 ? option : option.slice(0, equals);
    const value = equals < 0 ? "" : option.slice(equals + 1);
    const number = Number(value);
    switch (key) {
      case "every":
        trigger.every = number;
        break;
      case "p":
      case "probability":
        trigger.probability = number;
        break;
      case "after":
        trigger.after = number;
        break;
      case "times":
        trigger.times = number;
        break;
      case "message":
        message = value;
        break;
      case "retry-after-ms":
        trailers["retry-after-ms"] = value;
        break;
      default:
        if (key.startsWith("trailer.") && key.length > "trailer.".length) {
          trailers[key.slice("trailer.".length)] = value;
          break;
        }
        throw new RangeError(
          `unknown fault option ${JSON.stringify(key)} in ${JSON.stringify(text)}`,
        );
    }
  }
  let rule: FaultRule;
  if (action.startsWith("latency=")) {
    const match = /^latency=(\d+(?:\.\d+)?)(ms|s)?$/.exec(action);
    if (match === null)
      throw new RangeError(
        `fault latency must look like latency=20ms, got ${JSON.stringify(action)}`,
      );
    const ms = Number(match[1]) * (match[2] === "s" ? 1000 : 1);
    rule = { ...trigger, kind: "latency", ms };
  } else if (action.startsWith("break-after=")) {
    rule = {
      ...trigger,
      kind: "break",
      afterMessages: Number(action.slice("break-after=".length)),
    };
  } else if (action === "drop-ack") {
    rule = { ...trigger, kind: "drop-ack" };
  } else if (action === "reset") {
    rule = { ...trigger, kind: "reset" };
  } else if (action.startsWith("reconnect-after=")) {
    rule = {
      ...trigger,
      kind: "reconnect",
      afterMessages: Number(action.slice("reconnect-after=".length)),
    };
  } else if (STATUS_NAMES.includes(action)) {
    rule = {
      ...trigger,
      kind: "status",
      code: status[action as keyof typeof status],
      message,
      trailers: Object.keys(trailers).length > 0 ? trailers : undefined,
    };
  } else {
    throw new RangeError(
      `fault action must be a gRPC status name, latency=MS, break-after=N, drop-ack, reset or reconnect-after=N, got ${JSON.stringify(action)}`,
    );
  }
  return validateFault(rule);
}

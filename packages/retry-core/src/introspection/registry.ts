import type {
  FixedPolicyDescription,
  RetriedKind,
  RetryPolicyDescription,
} from "./policy-description.js";

/**
 * How a decorator describes the wrappers it makes: `describe` once per wrapper, and for policies
 * chosen per instance (`retryWith`), `resolve` for one instance. @internal
 */
export interface Describer {
  describe(kind: RetriedKind, name: string): RetryPolicyDescription;
  resolve?(
    kind: RetriedKind,
    name: string,
    self: unknown,
  ): FixedPolicyDescription | null | undefined;
}

/** What is known of one wrapper. @internal */
export interface RetriedRecord {
  readonly kind: RetriedKind;
  readonly name: string;
  readonly describer: Describer;
  description: RetryPolicyDescription | undefined;
}

// Weak, so that recording a wrapper never keeps it (or its class) alive.
const wrappers = new WeakMap<Function, RetriedRecord>();
const byDescription = new WeakMap<object, RetriedRecord>();

/** Records a wrapper made by a decorator; nothing is computed until someone asks. @internal */
export function recordRetried(
  wrapper: Function,
  describer: Describer,
  kind: RetriedKind,
  name: string,
): RetriedRecord {
  const record: RetriedRecord = { kind, name, describer, description: undefined };
  wrappers.set(wrapper, record);
  return record;
}

/** The record of a wrapper, if a decorator of this package made it. @internal */
export function recordOf(fn: unknown): RetriedRecord | undefined {
  return typeof fn === "function" ? wrappers.get(fn) : undefined;
}

/** The record whose description this is (descriptions found in decorator metadata). @internal */
export function recordOfDescription(description: unknown): RetriedRecord | undefined {
  return typeof description === "object" && description !== null
    ? byDescription.get(description)
    : undefined;
}

/** The wrapper's description, computed once. @internal */
export function describeRecord(record: RetriedRecord): RetryPolicyDescription {
  if (record.description === undefined) {
    record.description = record.describer.describe(record.kind, record.name);
    byDescription.set(record.description, record);
  }
  return record.description;
}

/**
 * The description for one instance: for a policy chosen per instance, the static description
 * with `resolved` added; a fixed policy is the same for every instance. @internal
 */
export function describeRecordFor(record: RetriedRecord, self: unknown): RetryPolicyDescription {
  const description = describeRecord(record);
  const resolve = record.describer.resolve;
  if (description.source !== "per-instance" || resolve === undefined) return description;
  let resolved: FixedPolicyDescription | null | undefined;
  try {
    resolved = resolve(record.kind, record.name, self);
  } catch {
    // A selector that needs the call's arguments (or fails without them) cannot be resolved.
    resolved = undefined;
  }
  return Object.freeze({ ...description, resolved });
}

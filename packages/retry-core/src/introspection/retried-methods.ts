import { ownContextMetadata } from "./metadata.js";
import type { RetryPolicyDescription } from "./policy-description.js";
import {
  describeRecord,
  describeRecordFor,
  type RetriedRecord,
  recordOf,
  recordOfDescription,
} from "./registry.js";

/** One retried method found by {@link retriedMethods}. */
export interface RetriedMethod {
  /** The name of the class that defines it. */
  readonly owner: string;
  /** The method's name (`"#name"` for a private method). */
  readonly name: string | symbol;
  readonly static: boolean;
  /** Private methods are found only through TC39 decorator metadata (see `retriedMethods`). */
  readonly private: boolean;
  /** True when a subclass nearer to the one asked about defines a method of the same name. */
  readonly overridden: boolean;
  readonly policy: RetryPolicyDescription;
}

function classOf(target: unknown): Function | undefined {
  if (typeof target === "function") return target;
  if (typeof target !== "object" || target === null) return undefined;
  const made = (Object.getPrototypeOf(target) as { constructor?: unknown } | null)?.constructor;
  return typeof made === "function" ? made : undefined;
}

function ownMethods(holder: object): Array<[string | symbol, Function]> {
  const methods: Array<[string | symbol, Function]> = [];
  for (const key of Reflect.ownKeys(holder)) {
    // Accessors are skipped: reading a getter could run user code.
    const value = Object.getOwnPropertyDescriptor(holder, key)?.value;
    if (typeof value === "function") methods.push([key, value]);
  }
  return methods;
}

/**
 * The retried methods of a class and of its parents, each with its policy description, the most
 * derived class first: public and static methods decorated by `asyncBackoff`, `asyncRetry`,
 * `retryWith` or kaioretry's `Retry` under either compilation, found on the prototypes; and,
 * under TC39 decorators where `Symbol.metadata` exists (natively, through a polyfill, or through a
 * compiler such as esbuild that falls back to `Symbol.for("Symbol.metadata")`), private methods
 * too, from the classes' decorator metadata.
 *
 * Given an instance instead of a class, `retryWith` policies are resolved for it (see
 * `retryPolicyOf`). The list is frozen.
 *
 * @example
 * ```ts
 * import { asyncRetry, retriedMethods } from "@retrykit/retry-core";
 *
 * class Repository {
 *   @asyncRetry(3)
 *   async save(id: string) {}
 * }
 * class Users extends Repository {
 *   @asyncRetry(5)
 *   async find(id: string) {}
 * }
 * retriedMethods(Users).map((m) => `${m.owner}.${String(m.name)}: ${m.policy.source === "fixed" ? m.policy.maxTries : "?"}`);
 * // ["Users.find: 5", "Repository.save: 3"]
 * ```
 */
export function retriedMethods(classOrInstance: unknown): readonly RetriedMethod[] {
  const start = classOf(classOrInstance);
  if (start === undefined) return Object.freeze([]);
  const instance = typeof classOrInstance === "function" ? undefined : classOrInstance;
  const found: RetriedMethod[] = [];
  // Names defined by the classes already walked (more derived): what they shadow is overridden.
  const shadowing = { instance: new Set<string | symbol>(), static: new Set<string | symbol>() };
  for (
    let cls: unknown = start;
    typeof cls === "function" && cls !== Function.prototype;
    cls = Object.getPrototypeOf(cls)
  ) {
    const owner = cls.name || "anonymous";
    const prototype = (cls as { prototype?: unknown }).prototype;
    const instanceMethods =
      typeof prototype === "object" && prototype !== null ? ownMethods(prototype) : [];
    const staticMethods = ownMethods(cls);
    const add = (
      name: string | symbol,
      isStatic: boolean,
      isPrivate: boolean,
      record: RetriedRecord,
    ): void => {
      const self = isStatic ? cls : instance;
      found.push(
        Object.freeze({
          owner,
          name,
          static: isStatic,
          private: isPrivate,
          overridden: !isPrivate && (isStatic ? shadowing.static : shadowing.instance).has(name),
          policy: self === undefined ? describeRecord(record) : describeRecordFor(record, self),
        }),
      );
    };
    for (const [name, fn] of instanceMethods) {
      const record = recordOf(fn);
      if (record !== undefined) add(name, false, false, record);
    }
    for (const [name, fn] of staticMethods) {
      const record = recordOf(fn);
      if (record !== undefined) add(name, true, false, record);
    }
    // Decorator metadata adds what the prototypes cannot show: private methods.
    for (const entry of ownContextMetadata(cls)) {
      const record = entry.private ? recordOfDescription(entry.policy) : undefined;
      if (record !== undefined) add(entry.name, entry.static, true, record);
    }
    for (const [name] of instanceMethods) shadowing.instance.add(name);
    for (const [name] of staticMethods) shadowing.static.add(name);
  }
  return Object.freeze(found);
}

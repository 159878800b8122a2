import type { RetryPolicyDescription } from "./policy-description.js";

/**
 * The metadata key under which decorators store a method's retry policy description: with
 * `reflect-metadata` under `experimentalDecorators`, on the prototype (the class, for static
 * methods) and the method's name, so `Reflect.getMetadata(RETRY_POLICY_METADATA, prototype, "load")`
 * reads it; under TC39 decorators, `Class[Symbol.metadata][RETRY_POLICY_METADATA]` is the list of
 * that class's retried methods (each a {@link RetriedMethodMetadata}), when the runtime or the
 * compiler provides `Symbol.metadata`.
 */
export const RETRY_POLICY_METADATA = "retrykit:retry-policy";

/** One entry of `Class[Symbol.metadata][RETRY_POLICY_METADATA]` (TC39 decorators). */
export interface RetriedMethodMetadata {
  /** The method's name (`"#name"` for a private method). */
  readonly name: string | symbol;
  readonly static: boolean;
  readonly private: boolean;
  readonly policy: RetryPolicyDescription;
}

/** The part of `reflect-metadata`'s API that is used here. */
interface ReflectMetadataApi {
  getOwnMetadataKeys(target: object, propertyKey?: string | symbol): unknown[];
  getOwnMetadata(metadataKey: unknown, target: object, propertyKey?: string | symbol): unknown;
  defineMetadata(
    metadataKey: unknown,
    value: unknown,
    target: object,
    propertyKey?: string | symbol,
  ): void;
}

/**
 * `reflect-metadata`'s API when it is loaded, looked up at decoration time (it may be imported
 * after this package): it is an optional peer, never a dependency.
 */
function reflectMetadata(): ReflectMetadataApi | undefined {
  const api = Reflect as unknown as Partial<ReflectMetadataApi>;
  return typeof api.getOwnMetadataKeys === "function" &&
    typeof api.getOwnMetadata === "function" &&
    typeof api.defineMetadata === "function"
    ? (api as ReflectMetadataApi)
    : undefined;
}

/**
 * Copies every metadata entry the original function holds to its wrapper, so that what other
 * decorators stored on the function (a route path, a validation rule, an injection token) is still
 * found once the wrapper replaces it. @internal
 */
export function copyReflectMetadata(original: Function, wrapper: Function): void {
  const api = reflectMetadata();
  if (api === undefined) return;
  for (const key of api.getOwnMetadataKeys(original)) {
    api.defineMetadata(key, api.getOwnMetadata(key, original), wrapper);
  }
}

/** Stores the description on `target` + `key` when `reflect-metadata` is loaded. @internal */
export function defineLegacyMetadata(
  target: object,
  key: string | symbol,
  description: () => RetryPolicyDescription,
): void {
  reflectMetadata()?.defineMetadata(RETRY_POLICY_METADATA, description(), target, key);
}

/** `Symbol.metadata`, or the registered symbol compilers fall back to where the runtime has none. */
function metadataSymbol(): symbol {
  return (Symbol as { metadata?: symbol }).metadata ?? Symbol.for("Symbol.metadata");
}

/**
 * Adds a method to its class's decorator metadata (TC39), when the compiler gives one. Each class
 * keeps its own list: a subclass's metadata object inherits from its parent's, so the list is
 * looked up as an own property, never through the prototype. @internal
 */
export function addToContextMetadata(
  context: ClassMethodDecoratorContext,
  describe: () => RetryPolicyDescription,
): void {
  const metadata = (context as { metadata?: unknown }).metadata;
  if (typeof metadata !== "object" || metadata === null) return;
  const policy = describe();
  const bag = metadata as Record<string, RetriedMethodMetadata[]>;
  if (!Object.hasOwn(bag, RETRY_POLICY_METADATA)) bag[RETRY_POLICY_METADATA] = [];
  bag[RETRY_POLICY_METADATA]!.push(
    Object.freeze({
      name: context.name,
      static: context.static,
      private: context.private,
      policy,
    }),
  );
}

/** The retried methods a class's own decorator metadata lists. @internal */
export function ownContextMetadata(cls: Function): readonly RetriedMethodMetadata[] {
  const metadata = Object.hasOwn(cls, metadataSymbol())
    ? (cls as unknown as Record<symbol, unknown>)[metadataSymbol()]
    : undefined;
  if (typeof metadata !== "object" || metadata === null) return [];
  if (!Object.hasOwn(metadata, RETRY_POLICY_METADATA)) return [];
  const list = (metadata as Record<string, unknown>)[RETRY_POLICY_METADATA];
  return Array.isArray(list) ? list : [];
}

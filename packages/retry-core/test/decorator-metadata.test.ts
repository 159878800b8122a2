import "reflect-metadata";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  asyncBackoff,
  asyncRetry,
  Backoff,
  RETRY_POLICY_METADATA,
  Retry,
  type RetryDecorator,
  retriedMethods,
  retryPolicyOf,
  retryWith,
} from "@retrykit/retry-core";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

// The defect, under both compilations: another decorator stores metadata on the method
// (as NestJS's @Get does) and ours must not lose it, whichever of the two is applied first.
// Decorators are applied bottom-up: in "ours last" order ours replaces a function that already
// holds the route; in "ours first" order the route is stored on our wrapper.
const fixture = `
export function build(retry: any, route: any) {
  class OursLast {
    calls = 0;
    @retry
    @route("/users")
    async get(id: string, _extra?: number) {
      if (++this.calls < 2) throw new Error("flaky");
      return "user " + id;
    }
    @retry
    @route("/stream")
    async *items() {
      yield 1;
    }
  }
  class OursFirst {
    calls = 0;
    @route("/users")
    @retry
    async get(id: string, _extra?: number) {
      if (++this.calls < 2) throw new Error("flaky");
      return "user " + id;
    }
  }
  return { OursLast, OursFirst };
}
`;

/** A route decorator of each compilation, storing on the function as NestJS's @Get does. */
const legacyRoute =
  (path: string) => (_target: object, _key: string | symbol, descriptor: PropertyDescriptor) => {
    Reflect.defineMetadata("path", path, descriptor.value as object);
    Reflect.defineMetadata("method", "GET", descriptor.value as object);
  };
const standardRoute = (path: string) => (value: Function, _context: unknown) => {
  Reflect.defineMetadata("path", path, value);
  Reflect.defineMetadata("method", "GET", value);
};

const directory = mkdtempSync(join(tmpdir(), "retry-core-metadata-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

type Target = { get(id: string): Promise<string>; calls: number };
type Build = (
  retry: RetryDecorator,
  route: unknown,
) => { OursLast: new () => Target; OursFirst: new () => Target };

async function compile(name: string, experimentalDecorators: boolean): Promise<Build> {
  const output = ts.transpileModule(fixture, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      experimentalDecorators,
    },
  });
  const file = join(directory, `${name}.mjs`);
  writeFileSync(file, output.outputText);
  return ((await import(pathToFileURL(file).href)) as { build: Build }).build;
}

const compilations = {
  "TC39 decorators": { build: await compile("standard", false), route: standardRoute },
  experimentalDecorators: { build: await compile("legacy", true), route: legacyRoute },
};

describe.each(Object.entries(compilations))(
  "%s with reflect-metadata",
  (_name, { build, route }) => {
    const decorators: Record<string, () => RetryDecorator> = {
      asyncBackoff: () => asyncBackoff({ maxTries: 3, exceptions: [Error] }),
      asyncRetry: () => asyncRetry(3),
      retryWith: () => retryWith(() => new Backoff({ maxTries: 3, exceptions: [Error] })),
      Retry: () => Retry(Error) as unknown as RetryDecorator,
    };

    it.each(Object.keys(decorators))("%s keeps the route in both orders", async (decorator) => {
      const { OursLast, OursFirst } = build(decorators[decorator]!(), route);
      for (const Class of [OursLast, OursFirst]) {
        const method = Class.prototype.get;
        expect(Reflect.getMetadata("path", method)).toBe("/users");
        expect(Reflect.getMetadata("method", method)).toBe("GET");
        expect(method.name).toBe("get");
        expect(method.length).toBe(2);
        expect(retryPolicyOf(method)?.decorator).toBe(decorator);
        // ...and the method still retries.
        const target = new Class();
        await expect(target.get("7")).resolves.toBe("user 7");
        expect(target.calls).toBe(2);
      }
      expect(Reflect.getMetadata("path", (OursLast.prototype as { items?: object }).items!)).toBe(
        "/stream",
      );
    });

    it("copies every key, symbols and values as they were", () => {
      const key = Symbol("validation");
      const rule = { min: 1 };
      const tag = (value: Function) => {
        Reflect.defineMetadata(key, rule, value);
        Reflect.defineMetadata("roles", ["admin"], value);
      };
      async function handler() {}
      tag(handler);
      const wrapped = asyncBackoff(null, null)(handler);
      expect(new Set(Reflect.getOwnMetadataKeys(wrapped))).toEqual(
        new Set(Reflect.getOwnMetadataKeys(handler)),
      );
      expect(Reflect.getOwnMetadata(key, wrapped)).toBe(rule);
      expect(Reflect.getOwnMetadata("roles", wrapped)).toEqual(["admin"]);
    });
  },
);

describe("the policy as metadata", () => {
  it("experimentalDecorators: on the prototype and the method's name", () => {
    const { OursLast } = compilations.experimentalDecorators.build(
      asyncBackoff({ attemptTimeout: 250, maxTries: 3, exceptions: [TypeError] }),
      legacyRoute,
    );
    const stored = Reflect.getMetadata(RETRY_POLICY_METADATA, OursLast.prototype, "get");
    expect(stored).toBe(retryPolicyOf(OursLast.prototype.get));
    expect(stored).toMatchObject({ kind: "call", attemptTimeout: 250, exceptions: ["TypeError"] });
    expect(Reflect.getMetadata(RETRY_POLICY_METADATA, OursLast.prototype, "items")).toMatchObject({
      kind: "session",
    });
    expect(retriedMethods(OursLast).map((method) => method.name)).toEqual(["get", "items"]);
  });
});

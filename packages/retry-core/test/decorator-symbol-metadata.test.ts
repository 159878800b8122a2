import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  asyncRetry,
  RETRY_POLICY_METADATA,
  retriedMethods,
  retryPolicyOf,
} from "@retrykit/retry-core";
import ts from "typescript";
import { afterAll, expect, it } from "vitest";

// Where the runtime has Symbol.metadata (here polyfilled, as TypeScript's documentation suggests,
// before any class is defined), the TypeScript compiler's own TC39 output passes `context.metadata`
// and the retried methods land in `Class[Symbol.metadata]`, private ones included.
const symbols = Symbol as { metadata?: symbol };
symbols.metadata ??= Symbol("Symbol.metadata");

const fixture = `
export function build(retry: any) {
  class Base {
    @retry
    async save() {}
  }
  class Job extends Base {
    @retry
    async #flush() {}
    @retry
    static async create() {}
    run() {
      return this.#flush();
    }
  }
  return { Base, Job };
}
`;

const directory = mkdtempSync(join(tmpdir(), "retry-core-symbol-metadata-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

it("stores the list in Class[Symbol.metadata] and finds private methods through it", async () => {
  const { outputText } = ts.transpileModule(fixture, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
  });
  expect(outputText).toContain("Symbol.metadata");
  const file = join(directory, "standard.mjs");
  writeFileSync(file, outputText);
  type Build = (retry: unknown) => { Base: Function; Job: Function };
  const { build } = (await import(pathToFileURL(file).href)) as { build: Build };
  const { Base, Job } = build(asyncRetry(2));
  const metadata = (Job as unknown as Record<symbol, Record<string, unknown>>)[symbols.metadata!]!;
  const own = metadata[RETRY_POLICY_METADATA] as Array<Record<string, unknown>>;
  expect(
    own.map(({ name, static: isStatic, private: isPrivate }) => [name, isStatic, isPrivate]),
  ).toEqual([
    ["create", true, false],
    ["#flush", false, true],
  ]);
  // The parent's list stays the parent's: the subclass's metadata only inherits from it.
  expect(Object.hasOwn(metadata, RETRY_POLICY_METADATA)).toBe(true);
  const parent = (Base as unknown as Record<symbol, Record<string, unknown>>)[symbols.metadata!]!;
  expect((parent[RETRY_POLICY_METADATA] as unknown[]).length).toBe(1);
  expect(retriedMethods(Job).map((m) => `${m.owner} ${String(m.name)} ${m.private}`)).toEqual([
    "Job create false",
    "Job #flush true",
    "Base save false",
  ]);
  expect(own[0]?.policy).toBe(retryPolicyOf((Job as unknown as { create: unknown }).create));
});

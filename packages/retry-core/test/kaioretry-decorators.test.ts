import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { Context, type Retrier, Retry, retry } from "../src/kaioretry/index.js";

// One class compiled twice by the TypeScript compiler: with TC39 standard decorators and with
// legacy `experimentalDecorators`. The decorators come in as parameters, so the module imports nothing.
const fixture = `
export function build(r: any, sync: any) {
  class Service {
    calls = 0;
    failures: number;
    constructor(failures: number) {
      this.failures = failures;
    }
    @r
    parse(text: string) {
      if (++this.calls <= this.failures) throw new Error("parse");
      return Number(text);
    }
    @r
    async load(id: string) {
      if (++this.calls <= this.failures) throw new Error("load");
      return "loaded " + id;
    }
    @r.aioretry
    count() {
      if (++this.calls <= this.failures) throw new Error("count");
      return this.calls;
    }
    @sync
    plain() {
      if (++this.calls <= this.failures) throw new Error("plain");
      return "plain";
    }
  }
  return Service;
}
`;

interface Service {
  calls: number;
  parse(text: string): number;
  load(id: string): Promise<string>;
  count(): Promise<number>;
  plain(): string;
}
type Build = (r: Retrier, sync: unknown) => new (failures: number) => Service;

const directory = mkdtempSync(join(tmpdir(), "retry-core-kaioretry-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

async function compile(name: string, experimentalDecorators: boolean): Promise<Build> {
  const output = ts.transpileModule(fixture, {
    compilerOptions: {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      experimentalDecorators,
    },
  });
  expect(output.outputText).toContain(experimentalDecorators ? "__decorate(" : "__esDecorate");
  const file = join(directory, `${name}.mjs`);
  writeFileSync(file, output.outputText);
  return ((await import(pathToFileURL(file).href)) as { build: Build }).build;
}

for (const [name, legacy] of [
  ["TC39 standard decorators", false],
  ["legacy experimentalDecorators", true],
] as const) {
  describe(name, async () => {
    const build = await compile(legacy ? "legacy" : "standard", legacy);
    const Service = build(Retry(Error, new Context({ tries: 3 })), retry({ tries: 3 }));

    it("a sync method stays sync and is retried", () => {
      const service = new Service(2);
      expect(service.parse("5")).toBe(5);
      expect(service.calls).toBe(3);
    });

    it("an async method stays async and is retried", async () => {
      const service = new Service(2);
      await expect(service.load("x")).resolves.toBe("loaded x");
    });

    it(".aioretry turns a sync method async", async () => {
      const service = new Service(1);
      const result = service.count();
      expect(result).toBeInstanceOf(Promise);
      await expect(result).resolves.toBe(2);
    });

    it("retry() decorates a method synchronously and gives up after `tries`", () => {
      expect(new Service(2).plain()).toBe("plain");
      expect(() => new Service(3).plain()).toThrow("plain");
    });
  });
}

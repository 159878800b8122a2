import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import {
  asyncBackoff,
  Backoff,
  type BackoffOptions,
  currentAttempt,
  type RetryDecorator,
} from "@retrykit/retry-core";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";

// The same class, compiled by the TypeScript compiler once with TC39 standard decorators and once
// with legacy `experimentalDecorators`. The decorator comes in as a parameter, so the emitted module
// imports nothing.
const fixture = `
export function build(decorate: any) {
  class Target {
    impl: any;
    streamImpl: any;
    constructor(impl: any, streamImpl: any) {
      this.impl = impl;
      this.streamImpl = streamImpl;
    }
    @decorate
    async method(...args: unknown[]) {
      return this.impl(...args);
    }
    @decorate
    async *stream(...args: unknown[]) {
      yield* this.streamImpl(...args);
    }
  }
  return Target;
}
`;

const directory = mkdtempSync(join(tmpdir(), "retry-core-decorators-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

type Build = (decorate: RetryDecorator) => new (impl: unknown, streamImpl: unknown) => Target;
interface Target {
  method(...args: unknown[]): Promise<unknown>;
  stream(...args: unknown[]): AsyncGenerator<unknown>;
}

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

const compiled = {
  standard: await compile("standard", false),
  legacy: await compile("legacy", true),
};

it("the two compilations really differ", async () => {
  const standard = ts.transpileModule(fixture, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, experimentalDecorators: false },
  }).outputText;
  const legacy = ts.transpileModule(fixture, {
    compilerOptions: { target: ts.ScriptTarget.ES2022, experimentalDecorators: true },
  }).outputText;
  expect(standard).toContain("__esDecorate");
  expect(legacy).toContain("__decorate");
  expect(legacy).not.toContain("__esDecorate");
});

type Impl = (this: unknown, ...args: unknown[]) => unknown;
type StreamImpl = (this: unknown, ...args: unknown[]) => AsyncIterable<unknown>;

/** Each form turns options + an implementation into "call it with this `self`". */
interface Form {
  call(options: BackoffOptions, impl: Impl): (self: object, ...args: unknown[]) => Promise<unknown>;
  stream(options: BackoffOptions, impl: StreamImpl): (...args: unknown[]) => AsyncIterable<unknown>;
}

function classForm(build: Build): Form {
  return {
    call(options, impl) {
      const Target = build(asyncBackoff(options));
      return (self, ...args) => {
        const target = new Target(function (this: unknown, ...inner: unknown[]) {
          return impl.apply(self, inner);
        }, undefined);
        return target.method(...args);
      };
    },
    stream(options, impl) {
      const Target = build(asyncBackoff(options));
      return (...args) => new Target(undefined, impl).stream(...args);
    },
  };
}

const forms: Record<string, Form> = {
  "Backoff.execute": {
    call: (options, impl) => {
      const backoff = new Backoff(options);
      return (self, ...args) => backoff.executeWith({ thisArg: self }, impl, ...args);
    },
    stream: (options, impl) => {
      const backoff = new Backoff(options);
      return (...args) => backoff.session({}, impl, ...args);
    },
  },
  "asyncBackoff(...)(fn)": {
    call: (options, impl) => {
      const wrapped = asyncBackoff(options)(impl);
      return (self, ...args) => wrapped.apply(self, args) as Promise<unknown>;
    },
    stream: (options, impl) => {
      const wrapped = asyncBackoff(options)(async function* (this: unknown, ...args: unknown[]) {
        yield* impl.apply(this, args);
      });
      return (...args) => wrapped(...args);
    },
  },
  "TC39 decorator": classForm(compiled.standard),
  "legacy decorator": classForm(compiled.legacy),
};

class Flaky extends Error {}
class Fatal extends Error {}

describe.each(Object.entries(forms))("%s", (_name, form) => {
  it("resolves at once on success, with this and the arguments", async () => {
    const self = { base: 40 };
    let calls = 0;
    const run = form.call({ exceptions: [Flaky], maxTries: 3 }, function (this: unknown, a) {
      calls++;
      return Promise.resolve((this as typeof self).base + (a as number));
    });
    await expect(run(self, 2)).resolves.toBe(42);
    expect(calls).toBe(1);
  });

  it("retries listed errors and exposes the attempt number", async () => {
    const attempts: number[] = [];
    const run = form.call({ exceptions: [Flaky], maxTries: 3 }, async () => {
      const { attempt } = currentAttempt()!;
      attempts.push(attempt);
      if (attempt < 3) throw new Flaky();
      return "ok";
    });
    await expect(run({})).resolves.toBe("ok");
    expect(attempts).toEqual([1, 2, 3]);
  });

  it("makes exactly maxTries calls and rejects with the original error", async () => {
    const errors: Flaky[] = [];
    const run = form.call({ exceptions: [Flaky], maxTries: 4 }, async () => {
      const error = new Flaky(`#${errors.length}`);
      errors.push(error);
      throw error;
    });
    const error = await run({}).catch((e) => e);
    expect(errors).toHaveLength(4);
    expect(error).toBe(errors[3]);
  });

  it("does not retry other errors", async () => {
    let calls = 0;
    const run = form.call({ exceptions: [Flaky], maxTries: 4 }, async () => {
      calls++;
      throw new Fatal();
    });
    await expect(run({})).rejects.toThrow(Fatal);
    expect(calls).toBe(1);
  });

  it("retries an async generator as a session, resuming after the last item", async () => {
    let opened = 0;
    const run = form.stream(
      {
        exceptions: [Flaky],
        maxTries: 3,
        resume: ({ lastItem }) => [(lastItem as number) + 1],
      },
      async function* (...args: unknown[]) {
        opened++;
        for (let n = args[0] as number; n < 6; n++) {
          if (n === 4 && opened === 1) throw new Flaky();
          yield n;
        }
      },
    );
    const items: unknown[] = [];
    for await (const item of run(0)) items.push(item);
    expect(items).toEqual([0, 1, 2, 3, 4, 5]);
    expect(opened).toBe(2);
  });
});

describe("decorator shapes", () => {
  it("rejects decorating something that is not a method", () => {
    const decorate = asyncBackoff({}) as unknown as (...args: unknown[]) => unknown;
    expect(() => decorate(undefined, { kind: "field", name: "x" })).toThrow(TypeError);
    expect(() => decorate({}, "x", { value: 1 })).toThrow(TypeError);
    expect(() => decorate("nope")).toThrow(TypeError);
  });

  it("keeps the method's name and length under both compilations", () => {
    for (const build of [compiled.standard, compiled.legacy]) {
      const Target = build(asyncBackoff({}));
      expect(Target.prototype.method.name).toBe("method");
      expect(Target.prototype.stream.name).toBe("stream");
    }
  });
});

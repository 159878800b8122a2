import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The NestJS example, compiled as a new Nest project is (tsc, CommonJS, experimentalDecorators,
// emitDecoratorMetadata) and run by a plain `node`, as its users run it: @retrykit/retry-core's
// ESM build is loaded with require(esm). (This process resolves packages to their TypeScript
// sources, so the application runs in a child process.)
const root = fileURLToPath(new URL("..", import.meta.url));
const example = join(root, "examples", "nestjs");
const requireHere = createRequire(join(example, "package.json"));

/** A clean environment: no flag of this process (export conditions, loaders) reaches the child. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  return env;
}

/** Runs `script` with a plain node in the example's folder and returns its first output line. */
function startNode(script: string): { child: ChildProcess; firstLine: Promise<string> } {
  const child = spawn(process.execPath, ["-e", script], {
    cwd: example,
    env: cleanEnv(),
    stdio: ["pipe", "pipe", "pipe"],
  });
  const firstLine = new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => {
      lines.close();
      resolve(line);
    });
    let errors = "";
    child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (errors += chunk));
    child.once("close", (code) =>
      reject(new Error(`node exited with ${code} before answering:\n${errors}`)),
    );
  });
  return { child, firstLine };
}

function build(): void {
  // `-b` builds retry-core's dist first (a project reference), then the example.
  execFileSync(
    process.execPath,
    [requireHere.resolve("typescript/bin/tsc"), "-b", join(example, "tsconfig.json")],
    { stdio: "pipe", env: cleanEnv() },
  );
}

let server: ChildProcess | undefined;
let base: string;

beforeAll(async () => {
  build();
  // The app listens on a free loopback port, prints it, and closes when its stdin ends.
  const { child, firstLine } = startNode(`
    require("./dist/main.js").createApp().then(async (app) => {
      await app.listen(0, "127.0.0.1");
      console.log(JSON.stringify({ port: app.getHttpServer().address().port }));
      process.stdin.on("end", () => app.close()).resume();
    });
  `);
  server = child;
  base = `http://127.0.0.1:${(JSON.parse(await firstLine) as { port: number }).port}`;
}, 180_000);

afterAll(async () => {
  if (server !== undefined && server.exitCode === null) {
    const exited = new Promise((resolve) => server!.once("exit", resolve));
    server.stdin!.end();
    await exited;
  }
  rmSync(join(example, "dist", "tc39"), { recursive: true, force: true });
});

async function get(path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, body: await response.json() };
}

type Listed = Array<{ owner: string; name: string; policy: Record<string, unknown> }>;

describe("a NestJS application (experimentalDecorators, emitDecoratorMetadata, CommonJS)", () => {
  it("retries the injected service's calls: the upstream was called three times", async () => {
    // The route works only if Nest injected the service (and its client) by their types.
    expect(await get("/stock/A-1")).toEqual({ status: 200, body: { sku: "A-1", units: 7 } });
    expect((await get("/upstream-calls")).body).toMatchObject({ "stock A-1": 3 });
  });

  it("keeps the route when @asyncRetry stands above @Get, and retries the handler", async () => {
    expect(await get("/price/A-1")).toEqual({
      status: 200,
      body: { sku: "A-1", price: 12.5, attempts: 3 },
    });
  });

  it("keeps the route when @asyncBackoff stands below @Get, and retries the handler", async () => {
    expect(await get("/report")).toEqual({ status: 200, body: { lines: 3, attempts: 2 } });
  });

  it("maps a retry timeout to 504 through the app's exception filter", async () => {
    const { status, body } = await get("/forecast/A-1");
    expect(status).toBe(504);
    expect(body).toMatchObject({ statusCode: 504, kind: "attempt", timeout: 50 });
    // 300 ms of 50 ms attempts with no pause: several attempts, each aborted.
    const calls = ((await get("/upstream-calls")).body as Record<string, number>)["forecast A-1"]!;
    expect(calls).toBeGreaterThanOrEqual(2);
    expect(calls).toBeLessThanOrEqual(6);
  });

  it("answers 404 for a route that does not exist", async () => {
    expect((await fetch(`${base}/nothing`)).status).toBe(404);
  });

  it("lists the controller's and the service's policies", async () => {
    const { status, body } = await get("/retry-policies");
    expect(status).toBe(200);
    const listed = body as Listed;
    expect(listed.map(({ owner, name, policy }) => [owner, name, policy.decorator])).toEqual([
      ["InventoryController", "price", "asyncRetry"],
      ["InventoryController", "report", "asyncBackoff"],
      ["InventoryService", "stock", "asyncBackoff"],
      ["InventoryService", "forecast", "asyncBackoff"],
    ]);
    expect(listed[0]?.policy).toMatchObject({ maxTries: 3, exceptions: ["UpstreamBusyError"] });
    expect(listed[2]?.policy).toMatchObject({
      kind: "call",
      maxTries: 4,
      attemptTimeout: 100,
      deadline: 1_000,
      pause: 10,
      exceptions: ["UpstreamBusyError"],
    });
    expect(listed[3]?.policy).toMatchObject({ attemptTimeout: 50, deadline: 300, maxTries: null });
  });
});

/** The example's service classes compiled again, with TC39 standard decorators (CommonJS too). */
function buildStandard(): void {
  const out = join(example, "dist", "tc39");
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const name of ["errors", "upstream.client", "inventory.service"]) {
    const source = readFileSync(join(example, "src", `${name}.ts`), "utf8");
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.CommonJS,
        experimentalDecorators: false,
      },
    });
    if (name !== "errors") expect(outputText).toContain("__esDecorate");
    writeFileSync(join(out, `${name}.js`), outputText);
  }
}

describe("the same service compiled with TC39 decorators, outside Nest", () => {
  it("retries the same way, times out the same way, and lists the same policies", async () => {
    buildStandard();
    const { child, firstLine } = startNode(`
      require("reflect-metadata");
      const { retriedMethods, TimeoutError } = require("@retrykit/retry-core");
      const { InventoryService } = require("./dist/tc39/inventory.service.js");
      const { UpstreamClient } = require("./dist/tc39/upstream.client.js");
      (async () => {
        const service = new InventoryService(new UpstreamClient());
        const stock = await service.stock("A-1");
        const timeout = await service.forecast("A-1").catch((error) => error);
        console.log(JSON.stringify({
          stock,
          calls: Object.fromEntries(service.upstream.calls),
          timedOut: TimeoutError.is(timeout) && timeout.kind,
          policies: retriedMethods(InventoryService).map(({ owner, name, policy }) => ({ owner, name, policy })),
        }));
      })();
    `);
    const result = JSON.parse(await firstLine) as {
      stock: unknown;
      calls: Record<string, number>;
      timedOut: string | false;
      policies: Listed;
    };
    await new Promise((resolve) =>
      child.exitCode === null ? child.once("exit", resolve) : resolve(0),
    );
    expect(child.exitCode).toBe(0); // nothing left open
    expect(result.stock).toEqual({ sku: "A-1", units: 7 });
    expect(result.calls["stock A-1"]).toBe(3);
    expect(result.calls["forecast A-1"]).toBeGreaterThanOrEqual(2);
    expect(result.timedOut).toBe("attempt");
    const nest = ((await get("/retry-policies")).body as Listed).slice(2);
    expect(result.policies).toEqual(nest);
  }, 120_000);
});

import { readFileSync } from "node:fs";
import * as fetchLayer from "@retrykit/retry-core/fetch";
import { transformWithEsbuild } from "vite";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type ScriptedServer, startScriptedServer } from "./scripted-server.js";

// Runs every ```ts block of docs/fetch.md (those marked ```ts no-run are signatures, not programs)
// against a local server standing in for https://api.example.com, and checks what they print.

const doc = readFileSync(new URL("../../docs/fetch.md", import.meta.url), "utf8");
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);

let server: ScriptedServer;

beforeAll(async () => {
  server = await startScriptedServer();
});

afterAll(async () => {
  await server.close();
});

/** Routes each example expects, set afresh before every example. */
function scriptRoutes(): void {
  server.route("/flaky", { status: 503 }, { status: 503 }, { status: 200, body: "ok" });
  server.route("/internal-error", { status: 500 });
  server.route("/ping", { status: 200, body: "Ok!" });
  server.route("/down", { status: 500, body: "down" });
  server.route("/overloaded", { status: 503, headers: { "x-overloaded": "1" } }, { status: 200 });
  server.route("/orders", { status: 503 }, { status: 201 });
}

const AsyncFunction = (async () => {}).constructor as new (
  ...params: string[]
) => (...args: unknown[]) => Promise<void>;

async function run(source: string): Promise<string[]> {
  const wired = source.replaceAll("https://api.example.com", server.url).replace(
    /import\s*\{([^}]*)\}\s*from\s*"@retrykit\/retry-core\/fetch";/g,
    (_match, names: string) =>
      `const { ${names
        .split(",")
        .map((n) => n.trim())
        .filter((n) => n !== "" && !n.startsWith("type "))
        .join(", ")} } = __fetchLayer;`,
  );
  const { code } = await transformWithEsbuild(wired, "example.ts", {
    loader: "ts",
    target: "es2022",
  });
  const printed: string[] = [];
  const console = { log: (...args: unknown[]) => printed.push(args.map(String).join(" ")) };
  await new AsyncFunction("__fetchLayer", "console", code)(fetchLayer, console);
  return printed;
}

const expected: string[][] = [
  ["200 ok"],
  [
    [
      "GET /flaky #1",
      "#1: 503 retry=true in 100 ms",
      "GET /flaky #2",
      "#2: 503 retry=true in 200 ms",
      "last try for r-17",
      "GET /flaky #3",
      "#3: 200 retry=false in undefined ms",
    ].join("\n"),
  ],
  ["200 Ok!", "200"],
  ["500 down", "500 down", "user cancelled"],
  ["200"],
  ["201"],
];

it("the documentation has the examples this test knows", () => {
  expect(blocks.length).toBe(expected.length);
});

it.each(blocks.map((block, i) => [i + 1, block, expected[i] ?? []] as const))(
  "example %i runs and prints what the documentation says",
  async (_n, block, lines) => {
    scriptRoutes();
    expect(await run(block)).toEqual(lines);
  },
);

// Runs every benchmark file of this folder (each exports a default async function), in name order.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((name) => name.endsWith(".ts") && name !== "run.ts" && !name.endsWith(".d.ts"))
  .sort();

for (const name of files) {
  const module = (await import(pathToFileURL(join(here, name)).href)) as {
    default?: () => Promise<void> | void;
  };
  if (typeof module.default !== "function") {
    console.log(`${name}: no default export to run, skipped`);
    continue;
  }
  console.log(`\n## ${name}\n`);
  await module.default();
}

// A peer's client abandoned at a benchmark's deadline may keep a socket open (the official S2 SDK
// does, after its append session is closed; see s2-client-faults.ts): the run ends when the
// benchmarks have, not when every peer has let go.
process.exit(0);

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

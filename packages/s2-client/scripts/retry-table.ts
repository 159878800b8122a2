/**
 * Writes the README's "which call retries on what" table, generated from the client's decorated
 * methods (`retriedMethods(S2)`, `Basin`, `Stream`) and the retry table, between its markers.
 * `--check` only compares, and exits 1 when the README and the code disagree.
 *
 *   node --conditions=@retrykit/source --import tsx packages/s2-client/scripts/retry-table.ts [--check]
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { replaceRetryTable } from "./readme-retry-table.js";

const readme = fileURLToPath(new URL("../README.md", import.meta.url));
const current = readFileSync(readme, "utf8");
const next = replaceRetryTable(current);
if (process.argv.includes("--check")) {
  if (next !== current) {
    console.error("README.md: the retry table differs from the code; run scripts/retry-table.ts");
    process.exitCode = 1;
  }
} else if (next !== current) {
  writeFileSync(readme, next);
  console.log("README.md: retry table updated");
}

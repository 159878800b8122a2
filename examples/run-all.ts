/**
 * Runs every example as its own process, as a user would, and fails if any exits with a non-zero
 * status or takes longer than a minute. `npm run examples` from the repository root.
 */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The examples, in the order of the README. */
export const EXAMPLES = [
  "decorator.ts",
  "backoff-execute.ts",
  "kaioretry.ts",
  "retry-client.ts",
  "s2-quick-start.ts",
  "exactly-once-producer.ts",
  "tailing-consumer.ts",
  "nestjs-example.ts",
  "opentelemetry.ts",
] as const;

const TIME_LIMIT_MS = 60_000;

function runExample(file: string): Promise<{ code: number | null; output: string; ms: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        "--conditions=@retrykit/source",
        "--import",
        "tsx",
        fileURLToPath(new URL(file, import.meta.url)),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    // An example that does not exit by itself has left something open: that is a failure too.
    const timer = setTimeout(() => child.kill("SIGKILL"), TIME_LIMIT_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: performance.now() - started });
    });
  });
}

let failed = 0;
for (const file of EXAMPLES) {
  const { code, output, ms } = await runExample(file);
  if (code === 0) {
    console.log(`ok    ${file} (${Math.round(ms)} ms)`);
  } else {
    failed++;
    console.log(`FAIL  ${file} (exit ${code ?? "killed"})\n${output.replace(/^/gm, "      ")}`);
  }
}
console.log(`${EXAMPLES.length - failed} of ${EXAMPLES.length} examples passed`);
process.exitCode = failed === 0 ? 0 : 1;

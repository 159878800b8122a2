/**
 * Builds the NestJS example with `tsc` (CommonJS, experimentalDecorators, emitDecoratorMetadata,
 * as a Nest project is built) and runs it with a plain `node`: it boots on a free loopback port,
 * calls each route once, prints the answers and the retry policies, and exits. The example itself
 * is in `nestjs/`.
 */
import { execFileSync } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const project = fileURLToPath(new URL("nestjs/", import.meta.url));
const require = createRequire(`${project}package.json`);
// A clean environment: this runner's own flags (tsx, source conditions) must not reach the app.
const env = { ...process.env };
delete env.NODE_OPTIONS;
execFileSync(
  process.execPath,
  [require.resolve("typescript/bin/tsc"), "-b", `${project}tsconfig.json`],
  {
    stdio: "inherit",
    env,
  },
);
execFileSync(process.execPath, [`${project}dist/main.js`], { stdio: "inherit", env, cwd: project });

#!/usr/bin/env node
// Runs the built CLI; in a source checkout without a build, runs the TypeScript source in this
// same process (through tsx's loader hooks), so that killing this process stops the server:
// no child process is left behind serving the port.
import { existsSync, realpathSync } from "node:fs";
import { createRequire, register } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";

const built = new URL("../dist/cli.js", import.meta.url);
if (existsSync(fileURLToPath(built))) {
  await import(built.href);
} else {
  const source = realpathSync(fileURLToPath(new URL("../src/cli.ts", import.meta.url)));
  // What `node --import tsx` does, in this process. tsx is a development dependency of the
  // checkout: look for it from the sources.
  await import(pathToFileURL(createRequire(source).resolve("tsx")).href);
  // Workspace packages are imported from their TypeScript sources, as with
  // `--conditions=@retrykit/source`. Hooks registered last run first: this one then hands the
  // resolution to tsx's.
  const addSourceCondition = `export function resolve(specifier, context, next) {
    return next(specifier, { ...context, conditions: [...context.conditions, "@retrykit/source"] });
  }`;
  register(`data:text/javascript,${encodeURIComponent(addSourceCondition)}`);
  await import(pathToFileURL(source).href);
}

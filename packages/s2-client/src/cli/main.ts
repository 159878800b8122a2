#!/usr/bin/env node
/**
 * The `s2` command line: basins, streams, records and access tokens of S2 from the shell.
 * `s2 --help` lists the commands.
 *
 * @packageDocumentation
 */
import { once } from "node:events";
import type { CliIo } from "./io.js";
import { EXIT, run } from "./run.js";

const interrupt = new AbortController();
const onSignal = () => interrupt.abort(new Error("interrupted"));
process.once("SIGINT", onSignal);
process.once("SIGTERM", onSignal);
// A closed pipe (`s2 read ... | head`) ends the command quietly, as an interrupt would.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code === "EPIPE") interrupt.abort(error);
});

const io: CliIo = {
  env: process.env,
  stdin: process.stdin,
  signal: interrupt.signal,
  async out(text) {
    if (interrupt.signal.aborted) return;
    if (!process.stdout.write(text)) {
      await Promise.race([once(process.stdout, "drain"), once(interrupt.signal, "abort")]);
    }
  },
  err(text) {
    process.stderr.write(text);
  },
};

const status = await run(process.argv.slice(2), io);
process.off("SIGINT", onSignal);
process.off("SIGTERM", onSignal);
// Standard input is only read by `append`; without this, an open terminal would keep the process alive.
process.stdin.destroy();
const reason: unknown = interrupt.signal.reason;
if ((reason as NodeJS.ErrnoException | undefined)?.code === "EPIPE") process.exitCode = EXIT.ok;
else process.exitCode = interrupt.signal.aborted ? EXIT.interrupted : status;

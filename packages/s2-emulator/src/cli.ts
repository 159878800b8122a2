import { parseArgs } from "node:util";
import { startEmulator } from "./server.js";
import { describeDamage, LogDamageError } from "./storage/log-damage-error.js";
import type { TlsOptions } from "./tls.js";

const HELP = `Usage: s2-emulator [options]

A local S2-compatible server: gRPC (s2.v1alpha) and REST v1 (HTTP/1.1, h2c, s2s, SSE).

Options:
  --port <n>               TCP port on 127.0.0.1 (0 = any free port)      [default: 4243]
  --rest-port <n>          REST v1 port (0 = any free port)     [default: the port after --port]
  --data-dir <dir>         durable storage directory (default: in memory)
  --repair                 cut a log damaged before its last frame at the damage (and say
                           what was dropped) instead of refusing to start
  --tls-cert <file>        TLS certificate chain (PEM); needs --tls-key
  --tls-key <file>         TLS private key (PEM)
  --tls-self-signed        generate a certificate for localhost, 127.0.0.1 and *.<suffix>;
                           its PEM is written to <data-dir>/tls/ca.pem or a temporary file
  --root-token <token>     require this bearer token (or an issued one) on every call
  --basin-host-suffix <s>  basin endpoints are <basin>.<s>             [default: b.localhost]
  --deletion-delay <ms>    keep deleted basins/streams in a deleting state this long [default: 0]
  --fault <rule>           inject a fault; repeatable. RPC:ACTION[:OPTION]..., e.g.
                             Append:UNAVAILABLE:every=5
                             Append:RESOURCE_EXHAUSTED:p=0.2:retry-after-ms=50
                             ReadSession:break-after=100
                             AppendSession:drop-ack:p=0.01
                             *:latency=20ms
                           options: every=N p=P after=N times=N message=TEXT
                                    retry-after-ms=N trailer.NAME=VALUE
  --seed <n>               seed for probabilistic faults                  [default: 0]
  -h, --help               show this help

The first line printed is "listening on 127.0.0.1:PORT" (gRPC), the second
"rest listening on http://127.0.0.1:PORT" (https:// with TLS). SIGINT or SIGTERM shuts down cleanly.
`;

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isInteger(parsed))
    throw new RangeError(`--${name} must be an integer, got ${JSON.stringify(value)}`);
  return parsed;
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: "string" },
      "rest-port": { type: "string" },
      "data-dir": { type: "string" },
      repair: { type: "boolean" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "tls-self-signed": { type: "boolean" },
      "root-token": { type: "string" },
      "basin-host-suffix": { type: "string" },
      "deletion-delay": { type: "string" },
      fault: { type: "string", multiple: true },
      seed: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  let tls: TlsOptions | undefined;
  if (values["tls-self-signed"]) {
    tls = { selfSigned: true };
  } else if (values["tls-cert"] !== undefined || values["tls-key"] !== undefined) {
    if (values["tls-cert"] === undefined || values["tls-key"] === undefined) {
      throw new RangeError("--tls-cert and --tls-key must be given together");
    }
    tls = { cert: values["tls-cert"], key: values["tls-key"] };
  }
  const port = integer("port", values.port) ?? 4243;
  // By default REST sits next to gRPC; with --port 0 both pick free ports.
  const restPort = integer("rest-port", values["rest-port"]) ?? (port === 0 ? 0 : port + 1);
  const emulator = await startEmulator({
    port,
    restPort,
    dataDir: values["data-dir"],
    repair: values.repair ?? false,
    tls,
    rootToken: values["root-token"],
    basinHostSuffix: values["basin-host-suffix"],
    deletionDelay: integer("deletion-delay", values["deletion-delay"]),
    faults: values.fault ?? [],
    seed: integer("seed", values.seed),
  });
  process.stdout.write(`listening on ${emulator.endpoint}\n`);
  process.stdout.write(`rest listening on ${emulator.restEndpoint}\n`);
  if (emulator.caCertificatePath !== undefined) {
    process.stdout.write(`tls certificate: ${emulator.caCertificatePath}\n`);
  }
  if (emulator.recoveredTruncatedBytes > 0) {
    process.stdout.write(`recovery: dropped ${emulator.recoveredTruncatedBytes} torn bytes\n`);
  }
  for (const log of emulator.repairs) {
    process.stdout.write(`recovery: repaired ${describeDamage(log)}, all dropped\n`);
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    emulator.close().then(
      () => {
        process.stdout.write(`stopped (${signal})\n`);
        process.exitCode = 0;
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
      },
      (error: unknown) => {
        process.stderr.write(`error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`s2-emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  // A damaged data directory is not a usage error.
  process.exit(error instanceof LogDamageError ? 1 : 2);
});

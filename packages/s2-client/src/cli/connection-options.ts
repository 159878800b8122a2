import { Endpoints, type TransportKind } from "../endpoints.js";
import { S2 } from "../s2.js";
import type { OptionSpec, OptionValues } from "./command.js";
import { UsageError } from "./usage-error.js";
import { numberOption, stringOption } from "./values.js";

/** Options of every command that talks to S2: where, as whom, and how patiently. */
export const CONNECTION_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  "access-token": {
    type: "string",
    valueName: "token",
    description:
      "Access token (default: $S2_ACCESS_TOKEN). Prefer the variable: flags show up in process lists.",
  },
  transport: {
    type: "string",
    valueName: "rest|grpc",
    description:
      "Wire protocol: rest (S2's REST API v1 with s2s sessions, the default) or grpc (v1alpha).",
  },
  endpoint: {
    type: "string",
    valueName: "url",
    description:
      "Account and basin endpoint at once, e.g. an emulator's http://127.0.0.1:4244 (the basin travels in the s2-basin header).",
  },
  "account-endpoint": {
    type: "string",
    valueName: "url",
    description:
      "Account endpoint, a URL or host:port (default: $S2_ACCOUNT_ENDPOINT, else https://a.s2.dev; over gRPC aws.s2.dev:443).",
  },
  "basin-endpoint": {
    type: "string",
    valueName: "url",
    description:
      "Basin endpoint, a URL or host:port, optionally with a {basin}. host prefix (default: $S2_BASIN_ENDPOINT, else https://{basin}.b.s2.dev; over gRPC {basin}.b.aws.s2.dev:443).",
  },
  plaintext: {
    type: "boolean",
    description: "Connect without TLS (as to a local emulator). An http:// endpoint implies it.",
  },
  "request-timeout": {
    type: "string",
    valueName: "ms",
    description: "Time limit of one attempt of a call, in milliseconds (default: 5000).",
  },
  "max-retries": {
    type: "string",
    valueName: "n",
    description: "Retries after a failed attempt of a retryable call (default: 3).",
  },
};

/** `http://host:port` → plaintext, `https://host:port` → TLS, `host:port` → undecided. */
function splitScheme(value: string, flag: string): { authority: string; tls: boolean | undefined } {
  const match = /^(https?):\/\/([^/]+)\/?$/.exec(value);
  if (match) return { authority: match[2]!, tls: match[1] === "https" };
  if (value.includes("/")) {
    throw new UsageError(`--${flag} must be host:port or a URL without a path, got ${value}`);
  }
  return { authority: value, tls: undefined };
}

/** The `--transport` flag: `rest` (default) or `grpc`. */
export function transportFrom(options: OptionValues): TransportKind {
  const value = stringOption(options, "transport") ?? "rest";
  if (value !== "rest" && value !== "grpc") {
    throw new UsageError(`--transport must be rest or grpc, got ${value}`);
  }
  return value;
}

/**
 * Endpoints from the flags, falling back on the environment (`S2_CLOUD`, `S2_ACCOUNT_ENDPOINT`,
 * `S2_BASIN_ENDPOINT`) and then on S2's cloud.
 */
export function endpointsFrom(
  options: OptionValues,
  env: Readonly<Record<string, string | undefined>>,
): Endpoints {
  let fromEnv: Endpoints;
  try {
    fromEnv = Endpoints.fromEnv(env, transportFrom(options));
  } catch (error) {
    throw new UsageError(`bad endpoint environment: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const both = stringOption(options, "endpoint");
  const accountFlag = stringOption(options, "account-endpoint") ?? both;
  const basinFlag = stringOption(options, "basin-endpoint") ?? both;
  const account = accountFlag === undefined ? undefined : splitScheme(accountFlag, "endpoint");
  const basin = basinFlag === undefined ? undefined : splitScheme(basinFlag, "endpoint");
  let tls = account?.tls ?? basin?.tls ?? fromEnv.tls;
  if (options.plaintext === true) tls = false;
  // A flag without a port gets the scheme's default port, like the variables.
  const port = tls ? 443 : 80;
  const withPort = (authority: string) =>
    /:\d+$/.test(authority) ? authority : `${authority}:${port}`;
  try {
    return new Endpoints({
      account: account ? withPort(account.authority) : fromEnv.account,
      basin: basin ? withPort(basin.authority) : fromEnv.basin,
      tls,
    });
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}

/** A client configured by the connection options and the environment. */
export function clientFrom(
  options: OptionValues,
  env: Readonly<Record<string, string | undefined>>,
): S2 {
  const accessToken =
    stringOption(options, "access-token") ?? env.S2_ACCESS_TOKEN ?? env.S2_AUTH_TOKEN;
  if (accessToken === undefined || accessToken === "") {
    throw new UsageError("no access token: set S2_ACCESS_TOKEN or pass --access-token");
  }
  const transport = transportFrom(options);
  const endpoints = endpointsFrom(options, env);
  const requestTimeout = numberOption(options, "request-timeout", { min: 1, max: 2 ** 31 - 1 });
  const maxRetries = numberOption(options, "max-retries", { max: 1000 });
  try {
    return new S2({
      accessToken,
      transport,
      endpoints,
      ...(requestTimeout === undefined ? {} : { requestTimeout }),
      ...(maxRetries === undefined ? {} : { maxRetries }),
    });
  } catch (error) {
    // The client's messages never contain the token itself.
    throw new UsageError((error as Error).message, { cause: error });
  }
}

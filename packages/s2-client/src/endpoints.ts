import { show } from "./validate.js";

/** Clouds S2 runs in. */
export type Cloud = "aws";

/** Plain endpoint settings, as accepted by `new S2({ endpoints })`. */
export interface EndpointsInit {
  /** Account endpoint `host:port` (AccountService). */
  readonly account: string;
  /**
   * Basin endpoint: `host:port` (the basin is named by the `s2-basin` header) or
   * `{basin}.host:port` (the basin is part of the authority).
   */
  readonly basin: string;
  /** Use TLS. @default true */
  readonly tls?: boolean;
}

/** How to reach one basin: where to connect, which authority to present, which header to send. */
export interface BasinRoute {
  /** `host:port` to connect to. */
  readonly target: string;
  /** HTTP/2 authority (and TLS server name) to present, when it differs from `target`. */
  readonly authority: string | undefined;
  /** Value of the `s2-basin` header. */
  readonly basinHeader: string;
}

const BASIN_PLACEHOLDER = "{basin}.";

/**
 * Where the account and basin services live. The default is S2's AWS cloud.
 *
 * @example
 * ```ts
 * const local = new Endpoints({ account: "127.0.0.1:4243", basin: "127.0.0.1:4243", tls: false });
 * const fromEnvironment = Endpoints.fromEnv();
 * ```
 */
export class Endpoints {
  /** Account endpoint, `host:port`. */
  readonly account: string;
  /** Basin endpoint, `host:port` or `{basin}.host:port`. */
  readonly basin: string;
  /** Whether connections use TLS. */
  readonly tls: boolean;

  constructor(init: EndpointsInit) {
    if (typeof init !== "object" || init === null) {
      throw new TypeError(
        `endpoints must be an object { account, basin, tls? }, got ${show(init)}`,
      );
    }
    if (init.tls !== undefined && typeof init.tls !== "boolean") {
      throw new TypeError(`endpoints.tls must be a boolean, got ${show(init.tls)}`);
    }
    this.tls = init.tls ?? true;
    const port = this.tls ? 443 : 80;
    this.account = parseAuthority(init.account, "endpoints.account", port);
    this.basin = parseBasinEndpoint(init.basin, "endpoints.basin", port);
    Object.freeze(this);
  }

  /** S2's public endpoints in `cloud`: `{cloud}.s2.dev` and `{basin}.b.{cloud}.s2.dev`, over TLS. */
  static forCloud(cloud: Cloud = "aws"): Endpoints {
    if (cloud !== "aws") throw new RangeError(`cloud must be "aws", got ${show(cloud)}`);
    return new Endpoints({
      account: `${cloud}.s2.dev:443`,
      basin: `{basin}.b.${cloud}.s2.dev:443`,
    });
  }

  /**
   * Endpoints from the environment: `S2_CLOUD` (default `aws`), `S2_ACCOUNT_ENDPOINT` and
   * `S2_BASIN_ENDPOINT` override the cloud's endpoints. A value may carry an `http://` (plaintext)
   * or `https://` scheme; both endpoints must then agree.
   */
  static fromEnv(env: Readonly<Record<string, string | undefined>> = process.env): Endpoints {
    const cloud = env.S2_CLOUD?.trim() || "aws";
    if (cloud !== "aws") throw new RangeError(`S2_CLOUD must be "aws", got ${show(cloud)}`);
    const defaults = Endpoints.forCloud(cloud);
    const account = splitScheme(env.S2_ACCOUNT_ENDPOINT, "S2_ACCOUNT_ENDPOINT");
    const basin = splitScheme(env.S2_BASIN_ENDPOINT, "S2_BASIN_ENDPOINT");
    if (account?.tls !== undefined && basin?.tls !== undefined && account.tls !== basin.tls) {
      throw new RangeError("S2_ACCOUNT_ENDPOINT and S2_BASIN_ENDPOINT must use the same scheme");
    }
    return new Endpoints({
      account: account?.authority ?? defaults.account,
      basin: basin?.authority ?? defaults.basin,
      tls: account?.tls ?? basin?.tls ?? true,
    });
  }

  /** An `Endpoints` as is, or one built from plain settings. */
  static from(value: Endpoints | EndpointsInit | undefined): Endpoints {
    if (value === undefined) return Endpoints.forCloud("aws");
    return value instanceof Endpoints ? value : new Endpoints(value);
  }

  /**
   * How to reach `basin`. With a `{basin}.host:port` endpoint the client connects to `host:port`
   * and presents `<basin>.host:port` as authority (so a server or proxy can route on it); the
   * `s2-basin` header is sent in both forms, so servers that look at either find the basin.
   */
  route(basin: string): BasinRoute {
    if (this.basin.startsWith(BASIN_PLACEHOLDER)) {
      const target = this.basin.slice(BASIN_PLACEHOLDER.length);
      return { target, authority: `${basin}.${target}`, basinHeader: basin };
    }
    return { target: this.basin, authority: undefined, basinHeader: basin };
  }

  /** `Endpoints(account=…, basin=…, tls=…)`. */
  toString(): string {
    return `Endpoints(account=${this.account}, basin=${this.basin}, tls=${this.tls})`;
  }
}

function splitScheme(
  value: string | undefined,
  name: string,
): { authority: string; tls: boolean | undefined } | undefined {
  const trimmed = value?.trim();
  if (!trimmed) return undefined;
  const match = /^(https?):\/\/([^/]+)\/?$/.exec(trimmed);
  if (match) {
    const tls = match[1] === "https";
    return { authority: withPort(match[2]!, tls ? 443 : 80), tls };
  }
  if (trimmed.includes("/"))
    throw new RangeError(
      `${name} must be host[:port] or a URL without a path, got ${show(trimmed)}`,
    );
  return { authority: withPort(trimmed, 443), tls: undefined };
}

function withPort(authority: string, port: number): string {
  return /:\d+$/.test(authority) ? authority : `${authority}:${port}`;
}

const AUTHORITY = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+)(:\d{1,5})?$/;

function parseAuthority(value: unknown, parameter: string, defaultPort: number): string {
  if (typeof value !== "string")
    throw new TypeError(`${parameter} must be a "host:port" string, got ${show(value)}`);
  const match = AUTHORITY.exec(value);
  if (!match || (match[2] !== undefined && Number(match[2].slice(1)) > 65535)) {
    throw new RangeError(`${parameter} must be "host:port", got ${show(value)}`);
  }
  return match[2] === undefined ? `${value}:${defaultPort}` : value;
}

function parseBasinEndpoint(value: unknown, parameter: string, defaultPort: number): string {
  if (typeof value === "string" && value.startsWith(BASIN_PLACEHOLDER)) {
    const rest = value.slice(BASIN_PLACEHOLDER.length);
    return BASIN_PLACEHOLDER + parseAuthority(rest, parameter, defaultPort);
  }
  return parseAuthority(value, parameter, defaultPort);
}

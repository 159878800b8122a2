import { show } from "./validate.js";

/** Clouds S2 runs in. */
export type Cloud = "aws";

/** The wire protocol a client speaks: S2's REST API v1 (with s2s sessions) or gRPC v1alpha. */
export type TransportKind = "rest" | "grpc";

/** Plain endpoint settings, as accepted by `new S2({ endpoints })`. */
export interface EndpointsInit {
  /**
   * Account endpoint: a URL (`"http://127.0.0.1:4244"`, `"https://a.s2.dev"`; the scheme decides
   * TLS) or `host:port`.
   */
  readonly account: string;
  /**
   * Basin endpoint: a URL or `host:port` (the basin is named by the `s2-basin` header), or the
   * same with a `{basin}.` host prefix (`"https://{basin}.b.s2.dev"`: the basin is part of the host
   * name).
   */
  readonly basin: string;
  /** Use TLS (when the endpoints carry no scheme). @default true */
  readonly tls?: boolean;
}

/** Where one REST request goes: the base URL (ending in `/v1`) and the `s2-basin` header, if any. */
export interface RestRoute {
  readonly baseUrl: string;
  readonly basinHeader: string | undefined;
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
    const account = urlScheme(init.account, "endpoints.account");
    const basin = urlScheme(init.basin, "endpoints.basin");
    const schemeTls = account.tls ?? basin.tls;
    if (account.tls !== undefined && basin.tls !== undefined && account.tls !== basin.tls) {
      throw new RangeError(
        `endpoints.account and endpoints.basin must use the same scheme, got ${show(init.account)} and ${show(init.basin)}`,
      );
    }
    if (schemeTls !== undefined && init.tls !== undefined && schemeTls !== init.tls) {
      throw new RangeError(
        `endpoints.tls (${init.tls}) contradicts the scheme of the endpoint URLs`,
      );
    }
    this.tls = schemeTls ?? init.tls ?? true;
    const port = this.tls ? 443 : 80;
    this.account = parseAuthority(account.rest, "endpoints.account", port);
    this.basin = parseBasinEndpoint(basin.rest, "endpoints.basin", port);
    Object.freeze(this);
  }

  /**
   * S2's public endpoints over TLS for a transport: REST (the default) `https://a.s2.dev` and
   * `https://{basin}.b.s2.dev`; gRPC `{cloud}.s2.dev` and `{basin}.b.{cloud}.s2.dev`.
   */
  static forCloud(cloud: Cloud = "aws", transport: TransportKind = "rest"): Endpoints {
    if (cloud !== "aws") throw new RangeError(`cloud must be "aws", got ${show(cloud)}`);
    if (transport !== "rest" && transport !== "grpc")
      throw new RangeError(`transport must be "rest" or "grpc", got ${show(transport)}`);
    if (transport === "rest")
      return new Endpoints({ account: "https://a.s2.dev", basin: "https://{basin}.b.s2.dev" });
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
  static fromEnv(
    env: Readonly<Record<string, string | undefined>> = process.env,
    transport: TransportKind = "rest",
  ): Endpoints {
    const cloud = env.S2_CLOUD?.trim() || "aws";
    if (cloud !== "aws") throw new RangeError(`S2_CLOUD must be "aws", got ${show(cloud)}`);
    const defaults = Endpoints.forCloud(cloud, transport);
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

  /** An `Endpoints` as is, or one built from plain settings (S2's cloud for `transport` when absent). */
  static from(
    value: Endpoints | EndpointsInit | undefined,
    transport: TransportKind = "rest",
  ): Endpoints {
    if (value === undefined) return Endpoints.forCloud("aws", transport);
    return value instanceof Endpoints ? value : new Endpoints(value);
  }

  /** The REST base URL of the account endpoint (`…/v1`). */
  get accountUrl(): string {
    return `${this.tls ? "https" : "http"}://${this.account}/v1`;
  }

  /**
   * Where REST requests about `basin` go: with a `{basin}.host` endpoint the basin is the first
   * label of the host name; otherwise the host is shared and the `s2-basin` header names it.
   */
  restRoute(basin: string): RestRoute {
    const scheme = this.tls ? "https" : "http";
    if (this.basin.startsWith(BASIN_PLACEHOLDER)) {
      const host = this.basin.slice(BASIN_PLACEHOLDER.length);
      return { baseUrl: `${scheme}://${basin}.${host}/v1`, basinHeader: undefined };
    }
    return { baseUrl: `${scheme}://${this.basin}/v1`, basinHeader: basin };
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

// A URL endpoint (`http://host:port`, optionally ending in `/` or `/v1`) as its authority and TLS.
function urlScheme(value: unknown, parameter: string): { rest: unknown; tls: boolean | undefined } {
  if (typeof value !== "string" || !/^[a-z]+:\/\//i.test(value))
    return { rest: value, tls: undefined };
  const match = /^(https?):\/\/([^/?#]+)(\/v1)?\/?$/i.exec(value);
  if (!match) {
    throw new RangeError(
      `${parameter} must be an http:// or https:// URL without a path (or host:port), got ${show(value)}`,
    );
  }
  return { rest: match[2], tls: match[1]!.toLowerCase() === "https" };
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

import { retryWith } from "@retrykit/retry-core";
import type { BasinConfig as BasinConfigMessage } from "@retrykit/s2-proto";
import { Basin } from "./basin.js";
import { type ResolvedConfig, resolveConfig, type S2Options } from "./config.js";
import { listParameters, pages } from "./pages.js";
import { newRequestToken } from "./request-token.js";
import { RetryPolicies } from "./retry-policies.js";
import type {
  AccessTokenInfo,
  AccessTokenScope,
  BasinConfig,
  BasinInfo,
  ListOptions,
  Page,
} from "./schemas.js";
import { createTransport } from "./transport/create-transport.js";
import {
  attemptLimits,
  type CallOptions,
  signalOf,
  type Transport,
} from "./transport/transport.js";
import { show, validateBasinName, validateSignal, validateTokenId } from "./validate.js";
import {
  accessTokenInfoFromWire,
  accessTokenInfoToWire,
  basinConfigFromWire,
  basinConfigToWire,
  basinInfoFromWire,
} from "./wire.js";

/** Options of {@link S2.issueAccessToken}. */
export interface IssueAccessTokenOptions extends CallOptions {
  /** Expiry of the new token; by default (and at most) the expiry of the token issuing it. */
  readonly expiresAt?: Date;
  /** Prefix stream names with the scope's stream prefix, transparently. @default false */
  readonly autoPrefixStreams?: boolean;
}

/**
 * The S2 client: account operations (basins, access tokens) and the way to a {@link Basin} and
 * its {@link Stream}s. Every call validates its input before sending anything, retries what the
 * retry table allows (see the README), and takes an optional `{ signal }`.
 *
 * @example
 * ```ts
 * await using s2 = new S2({ accessToken: process.env.S2_ACCESS_TOKEN!, endpoints: Endpoints.fromEnv() });
 * await s2.createBasin("my-basin-name");
 * const stream = s2.basin("my-basin-name").stream("events");
 * const ack = await stream.append({ records: [AppendRecord.make("hello")] });
 * ```
 */
export class S2 implements AsyncDisposable {
  readonly #config: ResolvedConfig;
  readonly #transport: Transport;
  readonly #policies: RetryPolicies;

  constructor(options: S2Options) {
    this.#config = resolveConfig(options);
    this.#transport = createTransport(this.#config);
    this.#policies = new RetryPolicies(this.#config);
  }

  /** The resolved settings, without the access token. */
  get settings(): {
    endpoints: string;
    requestTimeout: number;
    maxRetries: number;
    enableAppendRetries: boolean;
    appendRetryPolicy: string;
    enableCompression: boolean;
  } {
    const c = this.#config;
    return {
      endpoints: c.endpoints.toString(),
      requestTimeout: c.requestTimeout,
      maxRetries: c.maxRetries,
      enableAppendRetries: c.enableAppendRetries,
      appendRetryPolicy: c.appendRetryPolicy,
      enableCompression: c.enableCompression,
    };
  }

  /** A handle on a basin (no request is made; the basin must exist for calls to succeed). */
  basin(name: string): Basin {
    validateBasinName(name);
    return new Basin(name, this.#transport, this.#config, this.#policies);
  }

  /**
   * Creates a basin. The name must be globally unique: 8–48 characters of `a-z`, `0-9` and `-`,
   * not starting or ending with `-`. The request carries an `s2-request-token` that stays the same
   * across the retries of this call, so a retried create returns the basin instead of ALREADY_EXISTS.
   */
  async createBasin(name: string, config?: BasinConfig, options?: CallOptions): Promise<BasinInfo> {
    validateBasinName(name);
    const { message } = basinConfigToWire(config);
    validateSignal(options?.signal);
    return this.#createBasin(newRequestToken(), name, message, options);
  }

  @retryWith((self: S2) => self.#policies.forRpc("CreateBasin"), {
    signal: (_self, args) => signalOf(args),
    describe: { rpc: "CreateBasin", api: "createBasin" },
  })
  async #createBasin(
    token: string,
    name: string,
    config: BasinConfigMessage,
    options: CallOptions | undefined,
  ): Promise<BasinInfo> {
    const response = await this.#transport.unary(
      "CreateBasin",
      { basin: name, config, scope: 0 },
      { ...attemptLimits(this.#config.requestTimeout, options?.signal), requestToken: token },
    );
    return basinInfoFromWire(response.info);
  }

  /** One page of basins, in name order. */
  @retryWith((self: S2) => self.#policies.forRpc("ListBasins"), {
    signal: (_self, args) => signalOf(args),
    describe: { rpc: "ListBasins" },
  })
  async listBasins(options: ListOptions = {}): Promise<Page<BasinInfo>> {
    const request = listParameters(options);
    const response = await this.#transport.unary(
      "ListBasins",
      request,
      attemptLimits(this.#config.requestTimeout, options.signal),
    );
    return { items: response.basins.map(basinInfoFromWire), hasMore: response.hasMore };
  }

  /** Every basin (with `prefix`, after `startAfter`), fetching pages as needed. */
  listAllBasins(
    options: Omit<ListOptions, "limit"> = {},
  ): AsyncGenerator<BasinInfo, void, undefined> {
    listParameters(options);
    return pages(
      (page) => this.listBasins(page),
      (item) => item.name,
      options,
    );
  }

  /** Deletes a basin (asynchronously on the server: it may take minutes). */
  @retryWith((self: S2) => self.#policies.forRpc("DeleteBasin"), {
    signal: (_self, args) => signalOf(args),
    describe: { rpc: "DeleteBasin" },
  })
  async deleteBasin(name: string, options?: CallOptions): Promise<void> {
    validateBasinName(name);
    validateSignal(options?.signal);
    await this.#transport.unary(
      "DeleteBasin",
      { basin: name },
      attemptLimits(this.#config.requestTimeout, options?.signal),
    );
  }

  /** The current configuration of a basin. */
  @retryWith((self: S2) => self.#policies.forRpc("GetBasinConfig"), {
    signal: (_self, args) => signalOf(args),
    describe: { rpc: "GetBasinConfig" },
  })
  async getBasinConfig(name: string, options?: CallOptions): Promise<BasinConfig> {
    validateBasinName(name);
    validateSignal(options?.signal);
    const response = await this.#transport.unary(
      "GetBasinConfig",
      { basin: name },
      attemptLimits(this.#config.requestTimeout, options?.signal),
    );
    return basinConfigFromWire(response.config);
  }

  /**
   * Changes the fields of a basin's configuration that `config` gives (the field mask is built
   * from them) and returns the resulting configuration. A new `defaultStreamConfig` applies only
   * to streams created afterwards.
   */
  @retryWith((self: S2) => self.#policies.forRpc("ReconfigureBasin"), {
    signal: (_self, args) => signalOf(args),
    describe: { rpc: "ReconfigureBasin" },
  })
  async reconfigureBasin(
    name: string,
    config: BasinConfig,
    options?: CallOptions,
  ): Promise<BasinConfig> {
    validateBasinName(name);
    const { message, mask } = basinConfigToWire(config);
    validateSignal(options?.signal);
    const response = await this.#transport.unary(
      "ReconfigureBasin",
      { basin: name, config: message, mask },
      attemptLimits(this.#config.requestTimeout, options?.signal),
    );
    return basinConfigFromWire(response.config);
  }

  /**
   * Issues an access token and returns its secret (shown only once). `id` must be unique in the
   * account (1–96 bytes). Not retried after an ambiguous failure, since a repeat could fail with
   * ALREADY_EXISTS after the first request succeeded.
   */
  @retryWith((self: S2) => self.#policies.forRpc("IssueAccessToken"), {
    signal: (_self, args) => signalOf(args),
    describe: { rpc: "IssueAccessToken" },
  })
  async issueAccessToken(
    id: string,
    scope: AccessTokenScope,
    options: IssueAccessTokenOptions = {},
  ): Promise<string> {
    validateTokenId(id);
    if (typeof options !== "object" || options === null)
      throw new TypeError(`options must be an object, got ${show(options)}`);
    if (options.autoPrefixStreams !== undefined && typeof options.autoPrefixStreams !== "boolean") {
      throw new TypeError(
        `autoPrefixStreams must be a boolean, got ${show(options.autoPrefixStreams)}`,
      );
    }
    const info = accessTokenInfoToWire(id, scope, options);
    validateSignal(options.signal);
    const response = await this.#transport.unary(
      "IssueAccessToken",
      { info },
      attemptLimits(this.#config.requestTimeout, options.signal),
    );
    return response.accessToken;
  }

  /** One page of access tokens, in id order. */
  @retryWith((self: S2) => self.#policies.forRpc("ListAccessTokens"), {
    signal: (_self, args) => signalOf(args),
    describe: { rpc: "ListAccessTokens" },
  })
  async listAccessTokens(options: ListOptions = {}): Promise<Page<AccessTokenInfo>> {
    const request = listParameters(options);
    const response = await this.#transport.unary(
      "ListAccessTokens",
      request,
      attemptLimits(this.#config.requestTimeout, options.signal),
    );
    return { items: response.accessTokens.map(accessTokenInfoFromWire), hasMore: response.hasMore };
  }

  /** Every access token (with `prefix`, after `startAfter`), fetching pages as needed. */
  listAllAccessTokens(
    options: Omit<ListOptions, "limit"> = {},
  ): AsyncGenerator<AccessTokenInfo, void, undefined> {
    listParameters(options);
    return pages(
      (page) => this.listAccessTokens(page),
      (item) => item.id,
      options,
    );
  }

  /** Revokes an access token and returns its description. */
  @retryWith((self: S2) => self.#policies.forRpc("RevokeAccessToken"), {
    signal: (_self, args) => signalOf(args),
    describe: { rpc: "RevokeAccessToken" },
  })
  async revokeAccessToken(id: string, options?: CallOptions): Promise<AccessTokenInfo> {
    validateTokenId(id);
    validateSignal(options?.signal);
    const response = await this.#transport.unary(
      "RevokeAccessToken",
      { id },
      attemptLimits(this.#config.requestTimeout, options?.signal),
    );
    return accessTokenInfoFromWire(response.info);
  }

  /** Closes every connection. Calls still running fail; later calls throw. Safe to call twice. */
  async close(): Promise<void> {
    this.#transport.close();
  }

  /** `await using s2 = new S2(...)` closes the client at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /** `S2(endpoints)`; the access token is never shown. */
  toString(): string {
    return `S2(${this.#config.endpoints})`;
  }
}

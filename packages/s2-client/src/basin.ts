import { retryWith } from "@retrykit/retry-core";
import type { ResolvedConfig } from "./config.js";
import { listParameters, pages } from "./pages.js";
import { newRequestToken } from "./request-token.js";
import type { RetryPolicies } from "./retry-policies.js";
import type { ListOptions, Page, StreamConfig, StreamInfo } from "./schemas.js";
import { nameTarget } from "./span-attributes.js";
import { Stream } from "./stream.js";
import {
  attemptLimits,
  type CallOptions,
  signalOf,
  type Transport,
} from "./transport/transport.js";
import { validateSignal, validateStreamName } from "./validate.js";
import { streamConfigFromWire, streamConfigToWire, streamInfoFromWire } from "./wire.js";

/**
 * Operations on one basin: its streams. Get one from {@link S2.basin}.
 *
 * @example
 * ```ts
 * const basin = s2.basin("my-basin-name");
 * await basin.createStream("events", { storageClass: "express" });
 * const stream = basin.stream("events");
 * ```
 */
export class Basin {
  /** Basin name. */
  readonly name: string;
  readonly #transport: Transport;
  readonly #config: ResolvedConfig;
  readonly #policies: RetryPolicies;

  /** @internal Use {@link S2.basin}. */
  constructor(name: string, transport: Transport, config: ResolvedConfig, policies: RetryPolicies) {
    this.name = name;
    this.#transport = transport;
    this.#config = config;
    this.#policies = policies;
    nameTarget(this, name);
  }

  /** A handle on a stream of this basin (no request is made; the stream must exist for calls to succeed). */
  stream(name: string): Stream {
    validateStreamName(name);
    const stream = new Stream(this.name, name, this.#transport, this.#config, this.#policies);
    nameTarget(stream, this.name, name);
    return stream;
  }

  /**
   * Creates a stream. The request carries an `s2-request-token` that stays the same across the
   * retries of this call, so a retried create returns the stream instead of ALREADY_EXISTS.
   */
  async createStream(
    name: string,
    config?: StreamConfig,
    options?: CallOptions,
  ): Promise<StreamInfo> {
    validateStreamName(name);
    const wireConfig = streamConfigToWire(config);
    validateSignal(options?.signal);
    return this.#createStream(newRequestToken(), name, wireConfig.message, options);
  }

  @retryWith((self: Basin) => self.#policies.forRpc("CreateStream"), {
    signal: (_self, args) => signalOf(args),
    describe: { rpc: "CreateStream", api: "createStream" },
  })
  async #createStream(
    token: string,
    name: string,
    config: ReturnType<typeof streamConfigToWire>["message"],
    options: CallOptions | undefined,
  ): Promise<StreamInfo> {
    const response = await this.#transport.unary(
      "CreateStream",
      { stream: name, config },
      {
        ...attemptLimits(this.#config.requestTimeout, options?.signal),
        basin: this.name,
        requestToken: token,
      },
    );
    return streamInfoFromWire(response.info);
  }

  /** One page of streams, in name order. */
  @retryWith((self: Basin) => self.#policies.forRpc("ListStreams"), {
    signal: (_self, args) => signalOf(args),
    describe: { rpc: "ListStreams" },
  })
  async listStreams(options: ListOptions = {}): Promise<Page<StreamInfo>> {
    const request = listParameters(options);
    const response = await this.#transport.unary("ListStreams", request, {
      ...attemptLimits(this.#config.requestTimeout, options.signal),
      basin: this.name,
    });
    return { items: response.streams.map(streamInfoFromWire), hasMore: response.hasMore };
  }

  /** Every stream (with `prefix`, after `startAfter`), fetching pages as needed. */
  listAllStreams(
    options: Omit<ListOptions, "limit"> = {},
  ): AsyncGenerator<StreamInfo, void, undefined> {
    listParameters(options);
    return pages(
      (page) => this.listStreams(page),
      (item) => item.name,
      options,
    );
  }

  /** Deletes a stream (asynchronously on the server: it may take a while to disappear). */
  @retryWith((self: Basin) => self.#policies.forRpc("DeleteStream"), {
    signal: (_self, args) => signalOf(args),
    describe: { rpc: "DeleteStream" },
  })
  async deleteStream(name: string, options?: CallOptions): Promise<void> {
    validateStreamName(name);
    validateSignal(options?.signal);
    await this.#transport.unary(
      "DeleteStream",
      { stream: name },
      { ...attemptLimits(this.#config.requestTimeout, options?.signal), basin: this.name },
    );
  }

  /** The current configuration of a stream. */
  @retryWith((self: Basin) => self.#policies.forRpc("GetStreamConfig"), {
    signal: (_self, args) => signalOf(args),
    describe: { rpc: "GetStreamConfig" },
  })
  async getStreamConfig(name: string, options?: CallOptions): Promise<StreamConfig> {
    validateStreamName(name);
    validateSignal(options?.signal);
    const response = await this.#transport.unary(
      "GetStreamConfig",
      { stream: name },
      { ...attemptLimits(this.#config.requestTimeout, options?.signal), basin: this.name },
    );
    return streamConfigFromWire(response.config);
  }

  /**
   * Changes the fields of a stream's configuration that `config` gives (the field mask is built
   * from them) and returns the resulting configuration.
   */
  @retryWith((self: Basin) => self.#policies.forRpc("ReconfigureStream"), {
    signal: (_self, args) => signalOf(args),
    describe: { rpc: "ReconfigureStream" },
  })
  async reconfigureStream(
    name: string,
    config: StreamConfig,
    options?: CallOptions,
  ): Promise<StreamConfig> {
    validateStreamName(name);
    const { message, mask } = streamConfigToWire(config);
    validateSignal(options?.signal);
    const response = await this.#transport.unary(
      "ReconfigureStream",
      { stream: name, config: message, mask },
      { ...attemptLimits(this.#config.requestTimeout, options?.signal), basin: this.name },
    );
    return streamConfigFromWire(response.config);
  }

  /** `Basin(name)`. */
  toString(): string {
    return `Basin(${this.name})`;
  }
}

import {
  Channel,
  type ChannelCredentials,
  type ChannelOptions,
  credentials,
  Metadata,
} from "@grpc/grpc-js";
import { AccountServiceClient, BasinServiceClient, StreamServiceClient } from "@retrykit/s2-proto";
import { scrubSecrets } from "../../access-token.js";
import type { ResolvedConfig } from "../../config.js";
import { S2Error } from "../../errors.js";

const USER_AGENT = "retrykit-s2-client/0.1.0";
const GZIP = 2;

/** The clients of one basin, over one channel, and the metadata every call to it carries. @internal */
export interface BasinConnection {
  readonly basin: BasinServiceClient;
  readonly stream: StreamServiceClient;
  /** `authorization` and `s2-basin`; cloned per call. */
  readonly metadata: Metadata;
}

/**
 * The gRPC channels of one client: one for the account endpoint and one per distinct basin route
 * (all basins share one channel when the basin endpoint names no `{basin}`). grpc-js's own retries
 * are switched off on every channel, so the retry decorators are the only retry layer.
 *
 * @internal
 */
export class Connections {
  readonly #config: ResolvedConfig;
  readonly #credentials: ChannelCredentials;
  readonly #channels = new Map<string, Channel>();
  readonly #basins = new Map<string, BasinConnection>();
  #account: { client: AccountServiceClient; metadata: Metadata } | undefined;
  #closed = false;

  constructor(config: ResolvedConfig) {
    this.#config = config;
    this.#credentials = config.endpoints.tls
      ? credentials.createSsl()
      : credentials.createInsecure();
  }

  /** The AccountService client and its base metadata. */
  account(): { client: AccountServiceClient; metadata: Metadata } {
    this.#checkOpen();
    if (this.#account === undefined) {
      const channel = this.#channel(this.#config.endpoints.account, undefined, false);
      const client = new AccountServiceClient(this.#config.endpoints.account, this.#credentials, {
        channelOverride: channel,
      });
      this.#account = { client, metadata: this.#baseMetadata() };
    }
    return this.#account;
  }

  /** The clients and base metadata for `basin`. */
  basin(basin: string): BasinConnection {
    this.#checkOpen();
    let connection = this.#basins.get(basin);
    if (connection === undefined) {
      const route = this.#config.endpoints.route(basin);
      const channel = this.#channel(route.target, route.authority, this.#config.enableCompression);
      const options = { channelOverride: channel };
      const metadata = this.#baseMetadata();
      metadata.set("s2-basin", route.basinHeader);
      connection = {
        basin: new BasinServiceClient(route.target, this.#credentials, options),
        stream: new StreamServiceClient(route.target, this.#credentials, options),
        metadata,
      };
      this.#basins.set(basin, connection);
    }
    return connection;
  }

  /** Closes every channel; calls in progress fail with CANCELLED/UNAVAILABLE. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#account?.client.close();
    for (const connection of this.#basins.values()) {
      connection.basin.close();
      connection.stream.close();
    }
    for (const channel of this.#channels.values()) channel.close();
    this.#channels.clear();
    this.#basins.clear();
  }

  get closed(): boolean {
    return this.#closed;
  }

  #checkOpen(): void {
    if (this.#closed)
      throw new S2Error("the client is closed", { code: 1 /* CANCELLED */, retryable: false });
  }

  #baseMetadata(): Metadata {
    const metadata = new Metadata();
    try {
      metadata.set("authorization", this.#config.accessToken.bearer());
    } catch (error) {
      // grpc-js quotes a refused header value in its message: that value is the token.
      throw scrubSecrets(error);
    }
    return metadata;
  }

  #channel(target: string, authority: string | undefined, compress: boolean): Channel {
    const key = `${target}|${authority ?? ""}|${compress}`;
    let channel = this.#channels.get(key);
    if (channel === undefined) {
      const options: ChannelOptions = {
        ...this.#config.channelOptions,
        "grpc.enable_retries": 0,
        "grpc.primary_user_agent": USER_AGENT,
      };
      if (authority !== undefined) {
        options["grpc.default_authority"] = authority;
        if (this.#config.endpoints.tls)
          options["grpc.ssl_target_name_override"] = authority.replace(/:\d+$/, "");
      }
      if (compress) options["grpc.default_compression_algorithm"] = GZIP;
      channel = new Channel(target, this.#credentials, options);
      this.#channels.set(key, channel);
    }
    return channel;
  }
}

import {
  Channel,
  type ChannelCredentials,
  type ChannelOptions,
  type ClientUnaryCall,
  credentials,
  Metadata,
  type ServiceError,
} from "@grpc/grpc-js";
import { type AttemptContext, currentAttempt } from "@retrykit/retry-core";
import { AccountServiceClient, BasinServiceClient, StreamServiceClient } from "@retrykit/s2-proto";
import { scrubSecrets } from "./access-token.js";
import type { ResolvedConfig } from "./config.js";
import { S2Error } from "./errors.js";

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

/** Per-call options every method takes. */
export interface CallOptions {
  /** Cancels the call (and its retries); the call rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/**
 * The `signal` of a method's trailing `CallOptions` argument: how the retry decorators find the
 * caller's AbortSignal. @internal
 */
export const signalOf = (args: readonly unknown[]): AbortSignal | undefined => {
  const signal = (args[args.length - 1] as CallOptions | null | undefined)?.signal;
  // Anything else is refused by the method itself (a TypeError naming `signal`, before anything
  // is sent); handed to the retry engine, it would fail there with a less helpful message.
  return signal instanceof AbortSignal ? signal : undefined;
};

type Invoke<Res> = (
  metadata: Metadata,
  options: { deadline: number },
  callback: (error: ServiceError | null, response?: Res) => void,
) => ClientUnaryCall;

/**
 * One attempt of a unary call. Reads the retry engine's attempt context synchronously (it must be
 * called before the decorated method first awaits), so that the gRPC deadline never outlives the
 * attempt or the call's deadline, and a caller's abort (or the engine's, when it bounds the
 * attempt) cancels the gRPC call.
 *
 * @internal
 */
export function unaryCall<Res>(
  invoke: Invoke<Res>,
  metadata: Metadata,
  requestTimeout: number,
  callSignal: AbortSignal | undefined,
): Promise<Res> {
  const attempt = currentAttempt();
  const remaining = attempt?.remaining();
  // An attempt the engine bounds (a deadline) is cancelled through its signal. Otherwise the gRPC
  // deadline is the attempt's only time limit and only the caller's signal can cancel it: reading
  // the attempt's signal would cost an AbortController and a listener on every call for nothing.
  const signal = remaining === undefined ? callSignal : (attempt as AttemptContext).signal;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const timeout = remaining === undefined ? requestTimeout : Math.min(requestTimeout, remaining);
  return new Promise<Res>((resolve, reject) => {
    let onAbort: (() => void) | undefined;
    let call: ClientUnaryCall;
    try {
      call = invoke(metadata, { deadline: Date.now() + timeout }, (error, response) => {
        if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
        if (signal?.aborted) reject(signal.reason);
        else if (error) reject(S2Error.from(error));
        else resolve(response as Res);
      });
    } catch (error) {
      // Thrown by grpc-js before the call started (its class kept: it is not a status).
      reject(scrubSecrets(error));
      return;
    }
    if (signal !== undefined) {
      onAbort = () => call.cancel();
      signal.addEventListener("abort", onAbort, { once: true });
    }
  });
}

import type { ClientDuplexStream, ClientReadableStream, Metadata } from "@grpc/grpc-js";
import { linkAbort } from "@retrykit/retry-core";
import type {
  AccountServiceClient,
  AppendInput,
  AppendSessionRequest,
  AppendSessionResponse,
  BasinServiceClient,
  ReadSessionRequest,
  ReadSessionResponse,
  StreamServiceClient,
} from "@retrykit/s2-proto";
import { scrubSecrets } from "../../access-token.js";
import type { ResolvedConfig } from "../../config.js";
import { S2Error } from "../../errors.js";
import type {
  AppendAckEvent,
  AppendStream,
  ReadEvent,
  ReadStream,
  Transport,
  UnaryCallContext,
  UnaryOperation,
  UnaryOperations,
} from "../transport.js";
import { Connections } from "./grpc-connections.js";

type Scope = "account" | "basin" | "stream";

// Which service serves each operation (the client method is the operation's name, camelCased).
const SCOPE: Readonly<Record<UnaryOperation, Scope>> = {
  ListBasins: "account",
  CreateBasin: "account",
  DeleteBasin: "account",
  GetBasinConfig: "account",
  ReconfigureBasin: "account",
  IssueAccessToken: "account",
  RevokeAccessToken: "account",
  ListAccessTokens: "account",
  ListStreams: "basin",
  CreateStream: "basin",
  DeleteStream: "basin",
  GetStreamConfig: "basin",
  ReconfigureStream: "basin",
  CheckTail: "stream",
  Append: "stream",
  Read: "stream",
};

const METHOD = Object.fromEntries(
  Object.keys(SCOPE).map((op) => [op, op[0]!.toLowerCase() + op.slice(1)]),
) as Record<UnaryOperation, string>;

type UnaryMethod = (
  request: unknown,
  metadata: Metadata,
  options: { deadline: number },
  callback: (error: Error | null, response?: unknown) => void,
) => { cancel(): void };

/**
 * The gRPC (`s2.v1alpha`) transport: grpc-js clients over channels whose own retries are off.
 *
 * @internal
 */
export class GrpcTransport implements Transport {
  readonly kind = "grpc";
  readonly #connections: Connections;

  constructor(config: ResolvedConfig) {
    this.#connections = new Connections(config);
  }

  unary<Op extends UnaryOperation>(
    operation: Op,
    request: UnaryOperations[Op][0],
    context: UnaryCallContext,
  ): Promise<UnaryOperations[Op][1]> {
    const { signal } = context;
    if (signal?.aborted) return Promise.reject(signal.reason);
    let client: AccountServiceClient | BasinServiceClient | StreamServiceClient;
    let base: Metadata;
    try {
      const scope = SCOPE[operation];
      if (scope === "account") {
        const account = this.#connections.account();
        client = account.client;
        base = account.metadata;
      } else {
        const basin = this.#connections.basin(context.basin as string);
        client = scope === "basin" ? basin.basin : basin.stream;
        base = basin.metadata;
      }
    } catch (error) {
      return Promise.reject(error);
    }
    const metadata = base.clone();
    if (context.requestToken !== undefined) metadata.set("s2-request-token", context.requestToken);
    const method = (client as unknown as Record<string, UnaryMethod>)[METHOD[operation]]!;
    return new Promise((resolve, reject) => {
      let unlink: (() => void) | undefined;
      let call: { cancel(): void };
      try {
        call = method.call(
          client,
          request,
          metadata,
          { deadline: Date.now() + context.timeout },
          (error, response) => {
            unlink?.();
            if (signal?.aborted) reject(signal.reason);
            else if (error) reject(S2Error.from(error));
            else resolve(response as UnaryOperations[Op][1]);
          },
        );
      } catch (error) {
        // Thrown by grpc-js before the call started (its class kept: it is not a status).
        reject(scrubSecrets(error));
        return;
      }
      // One listener per signal however many calls share it (no MaxListenersExceededWarning).
      if (signal !== undefined) unlink = linkAbort(signal, () => call.cancel());
    });
  }

  appendSession(basin: string, _stream: string): AppendStream {
    const connection = this.#connections.basin(basin);
    const call = connection.stream.appendSession(connection.metadata.clone());
    return new GrpcAppendStream(call);
  }

  readSession(basin: string, request: ReadSessionRequest): ReadStream {
    const connection = this.#connections.basin(basin);
    const call = connection.stream.readSession(request, connection.metadata.clone());
    return new GrpcReadStream(call);
  }

  close(): void {
    this.#connections.close();
  }

  get closed(): boolean {
    return this.#connections.closed;
  }
}

class GrpcAppendStream implements AppendStream {
  readonly #call: ClientDuplexStream<AppendSessionRequest, AppendSessionResponse>;

  constructor(call: ClientDuplexStream<AppendSessionRequest, AppendSessionResponse>) {
    this.#call = call;
  }

  write(input: AppendInput): boolean {
    return this.#call.write({ input });
  }

  get writableNeedDrain(): boolean {
    return this.#call.writableNeedDrain;
  }

  onDrain(listener: () => void): void {
    this.#call.on("drain", listener);
  }

  end(): void {
    this.#call.end();
  }

  cancel(): void {
    this.#call.cancel();
  }

  onFinished(listener: () => void): void {
    this.#call.once("status", listener);
    this.#call.on("error", () => {});
  }

  async *[Symbol.asyncIterator](): AsyncIterator<AppendAckEvent> {
    try {
      for await (const response of this.#call as AsyncIterable<AppendSessionResponse>) {
        yield {
          output: response.output ?? {
            startSeqNum: 0n,
            endSeqNum: 0n,
            nextSeqNum: 0n,
            startTimestamp: 0n,
            endTimestamp: 0n,
            lastTimestamp: 0n,
          },
          reconnectAdvised: false,
        };
      }
    } catch (error) {
      throw S2Error.from(error);
    }
  }
}

class GrpcReadStream implements ReadStream {
  readonly #call: ClientReadableStream<ReadSessionResponse>;

  constructor(call: ClientReadableStream<ReadSessionResponse>) {
    this.#call = call;
  }

  cancel(): void {
    this.#call.cancel();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ReadEvent> {
    try {
      for await (const response of this.#call as AsyncIterable<ReadSessionResponse>) {
        yield { output: response.output?.output };
      }
    } catch (error) {
      throw S2Error.from(error);
    }
  }
}

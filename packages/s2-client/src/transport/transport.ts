import { type AttemptContext, currentAttempt } from "@retrykit/retry-core";
import type {
  AppendInput,
  AppendOutput,
  CheckTailRequest,
  CheckTailResponse,
  CreateBasinRequest,
  CreateBasinResponse,
  CreateStreamRequest,
  CreateStreamResponse,
  DeleteBasinRequest,
  DeleteBasinResponse,
  DeleteStreamRequest,
  DeleteStreamResponse,
  GetBasinConfigRequest,
  GetBasinConfigResponse,
  GetStreamConfigRequest,
  GetStreamConfigResponse,
  IssueAccessTokenRequest,
  IssueAccessTokenResponse,
  ListAccessTokensRequest,
  ListAccessTokensResponse,
  ListBasinsRequest,
  ListBasinsResponse,
  ListStreamsRequest,
  ListStreamsResponse,
  ReadOutput,
  ReadRequest,
  ReadResponse,
  ReadSessionRequest,
  ReconfigureBasinRequest,
  ReconfigureBasinResponse,
  ReconfigureStreamRequest,
  ReconfigureStreamResponse,
  RevokeAccessTokenRequest,
  RevokeAccessTokenResponse,
} from "@retrykit/s2-proto";

/**
 * The unary operations a transport carries, with their request and response shapes. The shapes
 * are the client's one internal vocabulary (the v1alpha messages, plain objects): the gRPC
 * transport sends them as they are, the REST transport translates them to its JSON and v1
 * protobuf bodies and back.
 *
 * @internal
 */
export interface UnaryOperations {
  ListBasins: [ListBasinsRequest, ListBasinsResponse];
  CreateBasin: [CreateBasinRequest, CreateBasinResponse];
  DeleteBasin: [DeleteBasinRequest, DeleteBasinResponse];
  GetBasinConfig: [GetBasinConfigRequest, GetBasinConfigResponse];
  ReconfigureBasin: [ReconfigureBasinRequest, ReconfigureBasinResponse];
  IssueAccessToken: [IssueAccessTokenRequest, IssueAccessTokenResponse];
  RevokeAccessToken: [RevokeAccessTokenRequest, RevokeAccessTokenResponse];
  ListAccessTokens: [ListAccessTokensRequest, ListAccessTokensResponse];
  ListStreams: [ListStreamsRequest, ListStreamsResponse];
  CreateStream: [CreateStreamRequest, CreateStreamResponse];
  DeleteStream: [DeleteStreamRequest, DeleteStreamResponse];
  GetStreamConfig: [GetStreamConfigRequest, GetStreamConfigResponse];
  ReconfigureStream: [ReconfigureStreamRequest, ReconfigureStreamResponse];
  CheckTail: [CheckTailRequest, CheckTailResponse];
  Append: [{ input?: AppendInput }, { output?: AppendOutput }];
  Read: [ReadRequest, ReadResponse];
}

/** A unary operation's name. @internal */
export type UnaryOperation = keyof UnaryOperations;

/** What one attempt of a unary call carries besides its request. @internal */
export interface UnaryCallContext {
  /** The basin a basin-scoped operation addresses (absent for account operations). */
  readonly basin?: string;
  /** The `s2-request-token` of a create, the same for every attempt of one call. */
  readonly requestToken?: string;
  /** Time limit of this attempt (ms). */
  readonly timeout: number;
  /** Cancels this attempt. */
  readonly signal: AbortSignal | undefined;
}

/** One acknowledgement of an append session. @internal */
export interface AppendAckEvent {
  readonly output: AppendOutput;
  /**
   * The server asked the client to move to a new session (it is draining): nothing more should be
   * sent on this one; what is still unacknowledged is resent on the next session.
   */
  readonly reconnectAdvised: boolean;
}

/**
 * One open append session on the wire: inputs go in, one acknowledgement per input comes out in
 * order. Failures surface from the acknowledgement iterator as `S2Error`s.
 *
 * @internal
 */
export interface AppendStream extends AsyncIterable<AppendAckEvent> {
  /** Sends one batch; `false` means the write buffer is full (wait for `onDrain`). */
  write(input: AppendInput): boolean;
  /** True while the write buffer is full. */
  readonly writableNeedDrain: boolean;
  /** Called whenever the write buffer empties. */
  onDrain(listener: () => void): void;
  /** Half-closes: no more inputs; the server acknowledges what it has, then ends. */
  end(): void;
  /** Abandons the session at once (idempotent); the iterator then ends or fails. */
  cancel(): void;
  /**
   * Called once the session has ended on the wire (the server's final status arrived, or it was
   * cancelled). Used after the last acknowledgement, when nobody reads the iterator any more: what
   * is left is drained, and a late failure is ignored.
   */
  onFinished(listener: () => void): void;
}

/**
 * One item of a read session: a batch of records (possibly empty: a heartbeat, `output` absent) or
 * the stream's tail when the start is beyond it. `reconnectAdvised` asks for a new session after it.
 *
 * @internal
 */
export interface ReadEvent {
  readonly output: ReadOutput["output"];
  readonly reconnectAdvised?: boolean;
}

/** One open read session on the wire. @internal */
export interface ReadStream extends AsyncIterable<ReadEvent> {
  /** Abandons the session at once (idempotent), leaving no socket or timer behind. */
  cancel(): void;
}

/** How a read session travels over REST: the s2s binary framing over HTTP/2, or server-sent events. */
export type ReadSessionProtocol = "s2s" | "sse";

/**
 * One wire protocol under the client. `S2`, `Basin` and `Stream` decide what to call, validate,
 * and retry (through their decorators and the one retry table); a transport only carries one
 * attempt and says what happened, as `S2Error`s of one vocabulary whichever wire it speaks.
 *
 * @internal
 */
export interface Transport {
  /** `"grpc"` or `"rest"`. */
  readonly kind: "grpc" | "rest";
  /** One attempt of a unary operation. */
  unary<Op extends UnaryOperation>(
    operation: Op,
    request: UnaryOperations[Op][0],
    context: UnaryCallContext,
  ): Promise<UnaryOperations[Op][1]>;
  /** Opens one append session on `stream` of `basin`. */
  appendSession(basin: string, stream: string): AppendStream;
  /** Opens one read session. */
  readSession(
    basin: string,
    request: ReadSessionRequest,
    protocol: ReadSessionProtocol,
  ): ReadStream;
  /** Closes every connection; later calls fail with a non-retryable `S2Error`. */
  close(): void;
  /** True once closed. */
  readonly closed: boolean;
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

/**
 * The time limit and cancellation of one attempt of a unary call. Reads the retry engine's attempt
 * context synchronously (it must be called before the decorated method first awaits), so that the
 * wire deadline never outlives the attempt or the call's deadline.
 *
 * @internal
 */
export function attemptLimits(
  requestTimeout: number,
  callSignal: AbortSignal | undefined,
): { timeout: number; signal: AbortSignal | undefined } {
  const attempt = currentAttempt();
  const remaining = attempt?.remaining();
  // An attempt the engine bounds (a deadline) is cancelled through its signal. Otherwise the wire
  // deadline is the attempt's only time limit and only the caller's signal can cancel it: reading
  // the attempt's signal would cost an AbortController and a listener on every call for nothing.
  if (remaining === undefined) return { timeout: requestTimeout, signal: callSignal };
  return {
    timeout: Math.min(requestTimeout, remaining),
    signal: (attempt as AttemptContext).signal,
  };
}

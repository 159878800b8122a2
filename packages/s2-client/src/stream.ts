import { retryWith } from "@retrykit/retry-core";
import type { ReadRequest, ReadSessionRequest } from "@retrykit/s2-proto";
import { asyncIteratorOf } from "./async-iterator-of.js";
import type { ResolvedConfig } from "./config.js";
import { S2Error } from "./errors.js";
import type {
  AppendInput,
  AppendOutput,
  ReadLimit,
  ReadStart,
  SequencedRecord,
  U64,
} from "./records.js";
import { Tail } from "./records.js";
import type { RetryPolicies } from "./retry-policies.js";
import { AppendSessionState, appendSessionAttempt } from "./sessions/append-session.js";
import {
  FILTERED,
  type ReadItem,
  ReadProgress,
  type ReadSessionArgs,
  readSessionAttempt,
  resumeReadSession,
} from "./sessions/read-session.js";
import {
  attemptLimits,
  type CallOptions,
  type ReadSessionProtocol,
  signalOf,
  type Transport,
} from "./transport/transport.js";
import {
  show,
  toU64,
  validateAppendInput,
  validateReadLimit,
  validateReadStart,
  validateSignal,
} from "./validate.js";
import { appendInputToWire, appendOutputFromWire, sequencedRecordsFromWire } from "./wire.js";

/** Options of {@link Stream.read}. */
export interface ReadOptions extends CallOptions {
  /** At most this many records / metered bytes (each at most 1000 / 1 MiB for a unary read). */
  readonly limit?: ReadLimit;
  /** Exclusive timestamp bound: only records with a smaller timestamp are returned. */
  readonly until?: U64;
  /** Start at the tail when `start` is beyond it, instead of returning the tail. @default false */
  readonly clamp?: boolean;
  /** Leave command records (fence, trim) out of the results. @default false */
  readonly ignoreCommandRecords?: boolean;
}

/** Options of {@link Stream.readSession}. */
export interface ReadSessionOptions extends ReadOptions {
  /**
   * Ask the server for heartbeats, so that a silent connection is noticed. Without them a quiet
   * stream cannot be told from a dead connection, so no idle timeout applies. @default true
   */
  readonly heartbeats?: boolean;
  /**
   * Over REST, how the session travels: `"s2s"` (S2's binary framing over HTTP/2) or `"sse"`
   * (server-sent events over HTTP/1.1, for runtimes without HTTP/2). Ignored over gRPC.
   * @default "s2s"
   */
  readonly protocol?: ReadSessionProtocol;
}

/** Options of {@link Stream.appendSession}. */
export type AppendSessionOptions = CallOptions;

/**
 * Operations on one stream: tail, appends, reads and their sessions. Get one from
 * {@link Basin.stream}.
 *
 * @example
 * ```ts
 * const stream = s2.basin("my-basin-name").stream("events");
 * await stream.append({ records: [AppendRecord.make("hello")] });
 * for await (const batch of stream.readSession({ seqNum: 0 })) {
 *   if (batch instanceof Tail) break;
 *   for (const record of batch) console.log(record.seqNum, bodyText(record));
 * }
 * ```
 */
export class Stream {
  /** Stream name. */
  readonly name: string;
  readonly #basin: string;
  readonly #transport: Transport;
  readonly #config: ResolvedConfig;
  readonly #policies: RetryPolicies;

  /** @internal Use {@link Basin.stream}. */
  constructor(
    basin: string,
    name: string,
    transport: Transport,
    config: ResolvedConfig,
    policies: RetryPolicies,
  ) {
    this.name = name;
    this.#basin = basin;
    this.#transport = transport;
    this.#config = config;
    this.#policies = policies;
  }

  /** The stream's tail: the next sequence number and the last timestamp. */
  @retryWith((self: Stream) => self.#policies.forRpc("CheckTail"), {
    signal: (_self, args) => signalOf(args),
    describe: { rpc: "CheckTail" },
  })
  async checkTail(options?: CallOptions): Promise<Tail> {
    validateSignal(options?.signal);
    const response = await this.#transport.unary(
      "CheckTail",
      { stream: this.name },
      { ...attemptLimits(this.#config.requestTimeout, options?.signal), basin: this.#basin },
    );
    return new Tail(response.nextSeqNum, response.lastTimestamp);
  }

  /**
   * Appends one batch atomically: 1–1000 records, at most 1 MiB of metered bytes. Retried per the
   * append settings (`enableAppendRetries`, `appendRetryPolicy`); give `matchSeqNum` to make a
   * retried append land at most once.
   */
  @retryWith((self: Stream) => self.#policies.forRpc("Append"), {
    signal: (_self, args) => signalOf(args),
    describe: { rpc: "Append" },
  })
  async append(input: AppendInput, options?: CallOptions): Promise<AppendOutput> {
    validateAppendInput(input);
    validateSignal(options?.signal);
    const request = { input: appendInputToWire(this.name, input) };
    const response = await this.#transport.unary("Append", request, {
      ...attemptLimits(this.#config.requestTimeout, options?.signal),
      basin: this.#basin,
    });
    return appendOutputFromWire(response.output);
  }

  /**
   * Appends batches continuously over one session, in order, yielding one output per input.
   * Batches are pipelined up to `maxInflightBytes` unacknowledged; after a retryable failure the
   * session reconnects and resends the unacknowledged batches in order (see the README for which
   * failures are retried under each `appendRetryPolicy`). Each input is validated before it is sent.
   */
  appendSession(
    inputs: AsyncIterable<AppendInput> | Iterable<AppendInput>,
    options: AppendSessionOptions = {},
  ): AsyncGenerator<AppendOutput, void, undefined> {
    validateSignal(options.signal);
    if (
      inputs === null ||
      typeof inputs !== "object" ||
      !(Symbol.asyncIterator in inputs || Symbol.iterator in inputs)
    ) {
      throw new TypeError(
        `inputs must be an iterable or async iterable of append inputs, got ${show(inputs)}`,
      );
    }
    const iterator = asyncIteratorOf(inputs);
    const state = new AppendSessionState(
      this.name,
      iterator,
      this.#config.maxInflightBytes,
      this.#config.requestTimeout,
      options.signal,
    );
    return this.#appendSessionRun(state);
  }

  async *#appendSessionRun(
    state: AppendSessionState,
  ): AsyncGenerator<AppendOutput, void, undefined> {
    try {
      yield* this.#appendSessionAttempts(state);
    } finally {
      if (!state.inputsDone) {
        const closing = state.pending
          ? state.pending.then(() => state.inputs.return?.())
          : state.inputs.return?.();
        Promise.resolve(closing).catch(() => {});
      }
    }
  }

  @retryWith(
    (self: Stream, [state]: [AppendSessionState]) =>
      self.#policies.forAppendSession(() => state.nothingInFlight()),
    // The state is shared by all attempts: resuming means resending what it still holds.
    {
      signal: (_self, [state]) => state.signal,
      resume: ({ args }) => args,
      describe: { rpc: "AppendSession", api: "appendSession" },
    },
  )
  async *#appendSessionAttempts(
    state: AppendSessionState,
  ): AsyncGenerator<AppendOutput, void, undefined> {
    yield* appendSessionAttempt(this.#transport, this.#basin, state);
  }

  /**
   * Reads one batch from `start` (at most 1000 records / 1 MiB). Returns the tail instead when
   * `start` is at or beyond it (unless `clamp`). The batch can be empty only when `limit` or `until`
   * excludes the first record.
   */
  @retryWith((self: Stream) => self.#policies.forRpc("Read"), {
    signal: (_self, args) => signalOf(args),
    describe: { rpc: "Read" },
  })
  async read(start: ReadStart, options: ReadOptions = {}): Promise<SequencedRecord[] | Tail> {
    const request: ReadRequest = { stream: this.name, ...readParameters(start, options, true) };
    const response = await this.#transport.unary("Read", request, {
      ...attemptLimits(this.#config.requestTimeout, options.signal),
      basin: this.#basin,
    });
    const output = response.output?.output;
    if (output?.$case === "batch")
      return sequencedRecordsFromWire(output.batch, options.ignoreCommandRecords === true);
    if (output?.$case === "nextSeqNum") return new Tail(output.nextSeqNum, 0n);
    throw new S2Error("read returned neither records nor a tail", {
      code: 13 /* INTERNAL */,
      retryable: false,
    });
  }

  /**
   * Reads continuously from `start`, yielding batches of records. With a `limit` or `until` the
   * session ends when they are met or the tail is reached; without, it follows new appends. It
   * yields the tail (and ends) when `start` is beyond the tail and `clamp` is off. After a retryable
   * failure, or ~20 s without records or heartbeats, it reconnects after the last record it
   * delivered: no record is delivered twice or skipped.
   */
  readSession(
    start: ReadStart,
    options: ReadSessionOptions = {},
  ): AsyncGenerator<SequencedRecord[] | Tail, void, undefined> {
    const parameters = readParameters(start, options, false);
    if (options.heartbeats !== undefined && typeof options.heartbeats !== "boolean") {
      throw new TypeError(`heartbeats must be a boolean, got ${show(options.heartbeats)}`);
    }
    if (
      options.protocol !== undefined &&
      options.protocol !== "s2s" &&
      options.protocol !== "sse"
    ) {
      throw new RangeError(`protocol must be "s2s" or "sse", got ${show(options.protocol)}`);
    }
    const request: ReadSessionRequest = {
      stream: this.name,
      heartbeats: options.heartbeats ?? true,
      ...parameters,
    };
    return this.#readSessionRun({
      request,
      progress: new ReadProgress(request),
      ignoreCommandRecords: options.ignoreCommandRecords === true,
      signal: options.signal,
      protocol: options.protocol ?? "s2s",
      idleTimeout: request.heartbeats ? this.#config.readSessionIdleTimeout : undefined,
    });
  }

  async *#readSessionRun(
    args: ReadSessionArgs,
  ): AsyncGenerator<SequencedRecord[] | Tail, void, undefined> {
    for await (const item of this.#readSessionAttempts(args)) {
      if (item !== FILTERED) yield item;
    }
  }

  @retryWith((self: Stream) => self.#policies.forReadSession(), {
    signal: (_self, [args]: [ReadSessionArgs]) => args.signal,
    resume: resumeReadSession,
    describe: { rpc: "ReadSession", api: "readSession" },
  })
  async *#readSessionAttempts(args: ReadSessionArgs): AsyncGenerator<ReadItem, void, undefined> {
    yield* readSessionAttempt(this.#transport, this.#basin, args);
  }

  /** `Stream(name)`. */
  toString(): string {
    return `Stream(${this.name})`;
  }
}

function readParameters(start: ReadStart, options: ReadOptions, unary: boolean) {
  if (typeof options !== "object" || options === null)
    throw new TypeError(`options must be an object, got ${show(options)}`);
  const { kind, value } = validateReadStart(start);
  validateSignal(options.signal);
  const limit = validateReadLimit(options.limit, unary);
  if (options.clamp !== undefined && typeof options.clamp !== "boolean") {
    throw new TypeError(`clamp must be a boolean, got ${show(options.clamp)}`);
  }
  if (
    options.ignoreCommandRecords !== undefined &&
    typeof options.ignoreCommandRecords !== "boolean"
  ) {
    throw new TypeError(
      `ignoreCommandRecords must be a boolean, got ${show(options.ignoreCommandRecords)}`,
    );
  }
  const startField =
    kind === "seqNum"
      ? { $case: "seqNum" as const, seqNum: value }
      : kind === "timestamp"
        ? { $case: "timestamp" as const, timestamp: value }
        : { $case: "tailOffset" as const, tailOffset: value };
  const parameters: {
    start: typeof startField;
    limit?: { count?: bigint; bytes?: bigint };
    until?: bigint;
    clamp: boolean;
  } = { start: startField, clamp: options.clamp === true };
  if (limit !== undefined) parameters.limit = limit;
  if (options.until !== undefined) parameters.until = toU64(options.until, "until");
  return parameters;
}

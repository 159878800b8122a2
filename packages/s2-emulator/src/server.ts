import { setTimeout as sleep } from "node:timers/promises";
import {
  type handleBidiStreamingCall,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type Metadata,
  Server,
  ServerCredentials,
  status,
} from "@grpc/grpc-js";
import {
  AccountServiceService,
  type AppendSessionRequest,
  type AppendSessionResponse,
  BasinServiceService,
  type ReadSessionRequest,
  type ReadSessionResponse,
  StreamServiceService,
} from "@retrykit/s2-proto";
import { authenticate } from "./auth.js";
import type { CallContext, EmulatorCore } from "./context.js";
import { EmulatorError, toEmulatorError } from "./emulator-error.js";
import { type CallFaultPlan, type FaultRule, Faults, seededRandom } from "./faults.js";
import { rejectingMalformed, wellFormed, wellFormedEach } from "./malformed-request.js";
import { messagesOf } from "./message-queue.js";
import { Account } from "./model/account.js";
import { startRestServer } from "./rest/rest-server.js";
import { type CallCounts, emptyCallCounts, RPC_NAMES, type RpcName } from "./rpc-names.js";
import * as accountRpcs from "./services/account.js";
import * as basinRpcs from "./services/basin.js";
import type { SessionBreak } from "./services/stream.js";
import * as streamRpcs from "./services/stream.js";
import { FileStorage } from "./storage/file.js";
import type { DamagedLog } from "./storage/log-damage-error.js";
import { MemoryStorage } from "./storage/memory.js";
import type { Storage } from "./storage/storage.js";
import { loadTls, type TlsOptions } from "./tls.js";

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** TCP port; 0 picks a free one. @default 0 */
  readonly port?: number | undefined;
  /** TCP port of the REST v1 front end (HTTP/1.1 and h2c, or TLS); 0 picks a free one. @default 0 */
  readonly restPort?: number | undefined;
  /** Interface to listen on. @default "127.0.0.1" */
  readonly host?: string | undefined;
  /** Directory for durable storage; without it, everything stays in memory. */
  readonly dataDir?: string | undefined;
  /**
   * With `dataDir`: cut a log damaged before its last frame at the damage, dropping what follows
   * (reported in {@link Emulator.repairs}). Without it, such damage makes `startEmulator` reject
   * with a {@link LogDamageError} naming the file and byte offset. @default false
   */
  readonly repair?: boolean | undefined;
  /** TLS; plaintext without it. */
  readonly tls?: TlsOptions | undefined;
  /** Fault rules (objects or `--fault` strings) active from the start. */
  readonly faults?: ReadonlyArray<FaultRule | string> | undefined;
  /** Seed of the generator behind probabilistic faults and heartbeat intervals. @default 0 */
  readonly seed?: number | undefined;
  /**
   * The root access token. Without it, a missing or unknown bearer token acts as root (issued
   * tokens still get their own scope); with it, every call must present it or an issued token.
   */
  readonly rootToken?: string | undefined;
  /** Basin endpoints are `<basin>.<basinHostSuffix>`. @default "b.localhost" */
  readonly basinHostSuffix?: string | undefined;
  /** How long (ms) deleted basins and streams stay visible in their deleting state. @default 0 */
  readonly deletionDelay?: number | undefined;
  /** Range (ms) of the random quiet interval between read-session heartbeats. @default 5000 to 15000 */
  readonly heartbeatInterval?: { readonly min: number; readonly max: number } | undefined;
  /** Wall clock, ms since the Unix epoch (timestamps, retention, expiry). @default Date.now */
  readonly now?: (() => number) | undefined;
}

/** A running emulator. */
export interface Emulator {
  /** `"127.0.0.1:PORT"`: the account endpoint, and the basin endpoint with `s2-basin`. */
  readonly endpoint: string;
  readonly port: number;
  /** The REST v1 endpoint as a URL: `http://127.0.0.1:PORT` (`https://` with TLS). */
  readonly restEndpoint: string;
  readonly restPort: number;
  /** Fault rules and counts of injected faults; rules may change while running. */
  readonly faults: Faults;
  /** Received calls per RPC name, counted before authentication and faults; mutated in place. */
  readonly calls: CallCounts;
  /** PEM a TLS client trusts, when TLS is on. */
  readonly caCertificatePem: string | undefined;
  /** File holding the generated self-signed certificate, with `tls: { selfSigned: true }`. */
  readonly caCertificatePath: string | undefined;
  /** Bytes of torn last frames (a crash in the middle of a write) dropped on opening. */
  readonly recoveredTruncatedBytes: number;
  /** Logs damaged before their last frame that `repair` cut at the damage, with what was lost. */
  readonly repairs: readonly DamagedLog[];
  /** Zeroes {@link Emulator.calls}. */
  resetCalls(): void;
  /** Ends every open call (sessions get UNAVAILABLE), stops the server and closes files. */
  close(): Promise<void>;
}

function validateOptions(options: EmulatorOptions): void {
  const { port, basinHostSuffix, deletionDelay, heartbeatInterval, seed } = options;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new RangeError(`port must be an integer from 0 to 65535, got ${port}`);
  }
  const restPort = options.restPort;
  if (
    restPort !== undefined &&
    !(Number.isInteger(restPort) && restPort >= 0 && restPort <= 65535)
  ) {
    throw new RangeError(`restPort must be an integer from 0 to 65535, got ${restPort}`);
  }
  if (basinHostSuffix !== undefined && !/^[a-z0-9.-]+$/.test(basinHostSuffix)) {
    throw new RangeError(
      `basinHostSuffix must be a host name, got ${JSON.stringify(basinHostSuffix)}`,
    );
  }
  if (deletionDelay !== undefined && !(Number.isFinite(deletionDelay) && deletionDelay >= 0)) {
    throw new RangeError(`deletionDelay must be >= 0 ms, got ${deletionDelay}`);
  }
  if (
    heartbeatInterval !== undefined &&
    !(heartbeatInterval.min > 0 && heartbeatInterval.max >= heartbeatInterval.min)
  ) {
    throw new RangeError(
      `heartbeatInterval must have 0 < min <= max, got ${JSON.stringify(heartbeatInterval)}`,
    );
  }
  if (seed !== undefined && !Number.isInteger(seed)) {
    throw new RangeError(`seed must be an integer, got ${seed}`);
  }
  if (options.repair !== undefined && typeof options.repair !== "boolean") {
    throw new TypeError(`repair must be a boolean, got ${JSON.stringify(options.repair)}`);
  }
  if (options.rootToken !== undefined && options.rootToken === "") {
    throw new RangeError("rootToken must not be empty");
  }
}

/**
 * Starts an S2-compatible server on two real ports: gRPC (AccountService, BasinService,
 * StreamService of `s2.v1alpha`) and REST API v1 (HTTP/1.1 and h2c on one port, or TLS), both on
 * the same model.
 *
 * @example
 * ```ts
 * import { startEmulator } from "@retrykit/s2-emulator";
 *
 * const emulator = await startEmulator({ faults: ["Append:UNAVAILABLE:every=3"] });
 * console.log(emulator.endpoint); // 127.0.0.1:PORT (gRPC)
 * console.log(emulator.restEndpoint); // http://127.0.0.1:PORT (REST v1)
 * // ... point a client at it, with the s2-basin header naming the basin ...
 * console.log(emulator.calls.Append, emulator.faults.injected);
 * await emulator.close();
 * ```
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  validateOptions(options);
  const faults = new Faults(options.seed ?? 0);
  for (const rule of options.faults ?? []) faults.add(rule);
  const basinHostSuffix = options.basinHostSuffix ?? "b.localhost";
  const storage: Storage =
    options.dataDir === undefined
      ? new MemoryStorage()
      : new FileStorage(options.dataDir, { repair: options.repair });
  const account = new Account(storage, options.now ?? Date.now, options.deletionDelay ?? 0);
  const { truncatedBytes, repairs } = await account.load();
  const core: EmulatorCore = {
    account,
    faults,
    calls: emptyCallCounts(),
    rootToken: options.rootToken,
    basinHostSuffix,
    heartbeatInterval: options.heartbeatInterval ?? { min: 5000, max: 15000 },
    random: seededRandom((options.seed ?? 0) ^ 0x5eed),
    openCalls: new Set(),
  };
  const tls =
    options.tls === undefined
      ? undefined
      : await loadTls(options.tls, basinHostSuffix, options.dataDir);
  const credentials =
    tls === undefined
      ? ServerCredentials.createInsecure()
      : ServerCredentials.createSsl(null, [
          { cert_chain: Buffer.from(tls.cert), private_key: Buffer.from(tls.key) },
        ]);

  const server = new Server({
    "grpc.max_receive_message_length": 16 * 1024 * 1024,
    "grpc.max_send_message_length": 16 * 1024 * 1024,
  });
  server.addService(rejectingMalformed(AccountServiceService), {
    listBasins: unary(core, "ListBasins", accountRpcs.listBasins),
    createBasin: unary(core, "CreateBasin", accountRpcs.createBasin),
    deleteBasin: unary(core, "DeleteBasin", accountRpcs.deleteBasin),
    reconfigureBasin: unary(core, "ReconfigureBasin", accountRpcs.reconfigureBasinRpc),
    getBasinConfig: unary(core, "GetBasinConfig", accountRpcs.getBasinConfig),
    issueAccessToken: unary(core, "IssueAccessToken", accountRpcs.issueAccessToken),
    revokeAccessToken: unary(core, "RevokeAccessToken", accountRpcs.revokeAccessToken),
    listAccessTokens: unary(core, "ListAccessTokens", accountRpcs.listAccessTokens),
  });
  server.addService(rejectingMalformed(BasinServiceService), {
    listStreams: unary(core, "ListStreams", basinRpcs.listStreams),
    createStream: unary(core, "CreateStream", basinRpcs.createStream),
    deleteStream: unary(core, "DeleteStream", basinRpcs.deleteStream),
    getStreamConfig: unary(core, "GetStreamConfig", basinRpcs.getStreamConfig),
    reconfigureStream: unary(core, "ReconfigureStream", basinRpcs.reconfigureStreamRpc),
  });
  server.addService(rejectingMalformed(StreamServiceService), {
    checkTail: unary(core, "CheckTail", streamRpcs.checkTail),
    append: unary(core, "Append", streamRpcs.append),
    read: unary(core, "Read", streamRpcs.read),
    appendSession: appendSessionHandler(core),
    readSession: readSessionHandler(core),
  });

  const host = options.host ?? "127.0.0.1";
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${options.port ?? 0}`, credentials, (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    );
  }).catch(async (error: unknown) => {
    await storage.close();
    throw error;
  });

  const rest = await startRestServer(core, {
    host,
    port: options.restPort ?? 0,
    tls: tls === undefined ? undefined : { cert: tls.cert, key: tls.key },
  }).catch(async (error: unknown) => {
    server.forceShutdown();
    await storage.close();
    throw error;
  });

  let closing: Promise<void> | undefined;
  return {
    endpoint: `${host}:${port}`,
    port,
    restEndpoint: rest.url,
    restPort: rest.port,
    faults,
    calls: core.calls,
    caCertificatePem: tls?.caCertificatePem,
    caCertificatePath: tls?.caCertificatePath,
    recoveredTruncatedBytes: truncatedBytes,
    repairs,
    resetCalls() {
      for (const name of RPC_NAMES) core.calls[name] = 0;
    },
    close() {
      closing ??= (async () => {
        for (const controller of core.openCalls) controller.abort(SHUTDOWN);
        account.finishPendingDeletions();
        // Let the aborted calls flush their final status before the server goes away.
        await new Promise((resolve) => setImmediate(resolve));
        await rest.close();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, 1000);
          server.tryShutdown(() => {
            clearTimeout(timer);
            resolve();
          });
        });
        await storage.close();
      })();
      return closing;
    },
  };
}

const SHUTDOWN = new EmulatorError(status.UNAVAILABLE, "emulator is shutting down");

interface AnyCall {
  readonly metadata: Metadata;
  getHost(): string;
  on(event: "cancelled", listener: () => void): unknown;
}

/** Counts the call, decides its faults and tracks it until it ends. */
function open(
  core: EmulatorCore,
  rpc: RpcName,
  call: AnyCall,
): { controller: AbortController; plan: CallFaultPlan } {
  core.calls[rpc]++;
  return { controller: track(core, call), plan: core.faults.onCall(rpc) };
}

/** Forgets a call that ended; faults it did not report were not injected. */
function close(core: EmulatorCore, controller: AbortController, plan: CallFaultPlan): void {
  plan.settle();
  core.openCalls.delete(controller);
}

/** Injects latency and status faults, authenticates: the common start of a call. */
async function begin(
  core: EmulatorCore,
  rpc: RpcName,
  call: AnyCall,
  controller: AbortController,
  plan: CallFaultPlan,
): Promise<CallContext> {
  if (plan.latency > 0) {
    // The caller sees the delay from now on, even if it gives up before it is over.
    plan.delayed();
    await sleep(plan.latency, undefined, { signal: controller.signal }).catch(() => {});
  }
  if (controller.signal.aborted) throw abortReason(controller);
  if (plan.reset) {
    // grpc-js gives a handler no hold on its connection: the reset shows as UNAVAILABLE.
    plan.wasReset();
    throw new EmulatorError(status.UNAVAILABLE, "injected fault: connection reset");
  }
  const fail = plan.fail;
  if (fail !== undefined) {
    plan.failed();
    throw new EmulatorError(
      fail.code,
      fail.message ?? `injected fault: ${status[fail.code]}`,
      fail.trailers ? { ...fail.trailers } : {},
    );
  }
  const principal = authenticate(call.metadata, core.account, core.rootToken);
  return {
    core,
    rpc,
    principal,
    metadata: call.metadata,
    host: call.getHost(),
    signal: controller.signal,
  };
}

/** The break fault of a session, if the plan has one. */
function sessionBreak(plan: CallFaultPlan): SessionBreak | undefined {
  const afterMessages = plan.breakAfter;
  return afterMessages === undefined ? undefined : { afterMessages, broke: () => plan.broke() };
}

function abortReason(controller: AbortController): EmulatorError {
  const reason: unknown = controller.signal.reason;
  return reason instanceof EmulatorError
    ? reason
    : new EmulatorError(status.CANCELLED, "call cancelled");
}

function track(core: EmulatorCore, call: AnyCall): AbortController {
  const controller = new AbortController();
  core.openCalls.add(controller);
  call.on("cancelled", () =>
    controller.abort(new EmulatorError(status.CANCELLED, "cancelled by the client")),
  );
  return controller;
}

function unary<Req, Res>(
  core: EmulatorCore,
  rpc: RpcName,
  handler: (context: CallContext, request: Req) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const { controller, plan } = open(core, rpc, call);
    begin(core, rpc, call, controller, plan)
      .then((context) => handler(context, wellFormed(call.request)))
      .then(
        (response) => callback(null, response),
        (error: unknown) => callback(toEmulatorError(error).toServiceError()),
      )
      .finally(() => close(core, controller, plan));
  };
}

interface WritableCall<T> {
  write(message: T): boolean;
  on(event: "drain", listener: () => void): unknown;
  off(event: "drain", listener: () => void): unknown;
  end(): void;
  emit(event: "error", error: unknown): boolean;
}

function sinkOf<T>(call: WritableCall<T>, signal: AbortSignal) {
  return {
    async send(message: T): Promise<void> {
      if (signal.aborted) throw abortReason({ signal } as AbortController);
      if (!call.write(message)) {
        await new Promise<void>((resolve) => {
          const done = () => {
            call.off("drain", done);
            signal.removeEventListener("abort", done);
            resolve();
          };
          call.on("drain", done);
          signal.addEventListener("abort", done);
        });
      }
    },
  };
}

/** Ends a streaming call: OK, or the error's status; nothing when the client went away. */
function finish(call: WritableCall<never>, controller: AbortController, error: unknown): void {
  const reason: unknown = controller.signal.reason;
  if (controller.signal.aborted && !(reason instanceof EmulatorError && reason === SHUTDOWN))
    return;
  if (controller.signal.aborted) error = reason;
  if (error === undefined) {
    call.end();
  } else {
    call.emit("error", toEmulatorError(error).toServiceError());
  }
}

function readSessionHandler(
  core: EmulatorCore,
): handleServerStreamingCall<ReadSessionRequest, ReadSessionResponse> {
  return (call) => {
    const { controller, plan } = open(core, "ReadSession", call);
    begin(core, "ReadSession", call, controller, plan)
      .then((context) =>
        streamRpcs.readSession(
          context,
          wellFormed(call.request),
          sinkOf(call, controller.signal),
          sessionBreak(plan),
        ),
      )
      .then(
        () => finish(call, controller, undefined),
        (error: unknown) => finish(call, controller, error),
      )
      .finally(() => close(core, controller, plan));
  };
}

function appendSessionHandler(
  core: EmulatorCore,
): handleBidiStreamingCall<AppendSessionRequest, AppendSessionResponse> {
  return (call) => {
    const { controller, plan } = open(core, "AppendSession", call);
    begin(core, "AppendSession", call, controller, plan)
      .then((context) =>
        streamRpcs.appendSession(
          context,
          wellFormedEach(messagesOf<AppendSessionRequest>(call)),
          sinkOf(call, controller.signal),
          sessionBreak(plan),
        ),
      )
      .then(
        () => finish(call, controller, undefined),
        (error: unknown) => finish(call, controller, error),
      )
      .finally(() => close(core, controller, plan));
  };
}

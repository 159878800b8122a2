import {
  type CallOptions,
  type ClientUnaryCall,
  credentials,
  Metadata,
  type ServiceError,
} from "@grpc/grpc-js";
import {
  AccountServiceClient,
  type AppendRecord,
  BasinServiceClient,
  type ReadSessionRequest,
  type ReadSessionResponse,
  StreamServiceClient,
} from "@retrykit/s2-proto";
import { type Emulator, type EmulatorOptions, startEmulator } from "../src/index.js";

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (error: ServiceError | null, response: Res) => void,
) => ClientUnaryCall;

/** Calls a unary RPC and resolves with its response (rejects with the ServiceError). */
export function call<Req, Res>(
  method: Unary<Req, Res>,
  thisArg: unknown,
  request: Req,
  metadata: Metadata = new Metadata(),
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(thisArg, request, metadata, {}, (error, response) =>
      error === null ? resolve(response) : reject(error),
    );
  });
}

/** Metadata naming the basin and, optionally, a bearer token. */
export function meta(basin?: string, token?: string, extra: Record<string, string> = {}): Metadata {
  const metadata = new Metadata();
  if (basin !== undefined) metadata.set("s2-basin", basin);
  if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
  for (const [key, value] of Object.entries(extra)) metadata.set(key, value);
  return metadata;
}

/** Records with the given bodies. */
export function records(...bodies: string[]): AppendRecord[] {
  return bodies.map((body) => ({ headers: [], body: Buffer.from(body) }));
}

/** A running emulator with one client of each service. */
export interface Harness {
  readonly emulator: Emulator;
  readonly account: AccountServiceClient;
  readonly basins: BasinServiceClient;
  readonly streams: StreamServiceClient;
  close(): Promise<void>;
}

/** Starts an emulator and connects clients. */
export async function harness(options: EmulatorOptions = {}): Promise<Harness> {
  const emulator = await startEmulator(options);
  const insecure = credentials.createInsecure();
  const account = new AccountServiceClient(emulator.endpoint, insecure);
  const basins = new BasinServiceClient(emulator.endpoint, insecure);
  const streams = new StreamServiceClient(emulator.endpoint, insecure);
  return {
    emulator,
    account,
    basins,
    streams,
    async close() {
      account.close();
      basins.close();
      streams.close();
      await emulator.close();
    },
  };
}

/** Reads a whole read session (it must end by itself). */
export function collectSession(
  client: StreamServiceClient,
  request: ReadSessionRequest,
  metadata: Metadata,
): Promise<ReadSessionResponse[]> {
  return new Promise((resolve, reject) => {
    const messages: ReadSessionResponse[] = [];
    const stream = client.readSession(request, metadata);
    stream.on("data", (message: ReadSessionResponse) => messages.push(message));
    stream.on("error", reject);
    stream.on("end", () => resolve(messages));
  });
}

/** The status code of a rejected call. */
export async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
  } catch (error) {
    return (error as ServiceError).code;
  }
  throw new Error("expected the call to fail");
}

/** The rejection of a call, as a ServiceError. */
export async function failure(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error("expected the call to fail");
}

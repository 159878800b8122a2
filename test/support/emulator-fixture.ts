import { S2, type S2Options, type TransportKind } from "@retrykit/s2-client";
import { type Emulator, startEmulator } from "@retrykit/s2-emulator";
import { afterAll, beforeAll, beforeEach } from "vitest";

/** The client's transports: every client integration test runs over each. */
export const TRANSPORTS: readonly TransportKind[] = ["rest", "grpc"];

/** One emulator per test file, with clean faults and call counts before each test. */
export interface EmulatorFixture {
  /** The running emulator (available once `beforeAll` has run). */
  readonly emulator: Emulator;
  /** The transport the clients of this fixture speak. */
  readonly transport: TransportKind;
  /** A plaintext client on the emulator, closed after the file's tests; `options` override. */
  connect(options?: Partial<S2Options>): S2;
  /** Creates a basin with a name unique to this run (streams are created on first append). */
  freshBasin(s2: S2, prefix: string): Promise<string>;
}

/** Registers the hooks that start, reset and close an emulator for the calling test file. */
export function useEmulator(options: { seed: number; transport?: TransportKind }): EmulatorFixture {
  const transport = options.transport ?? "rest";
  let emulator: Emulator | undefined;
  const clients: S2[] = [];
  let basinCounter = 0;

  beforeAll(async () => {
    emulator = await startEmulator({ seed: options.seed });
  });
  afterAll(async () => {
    for (const client of clients) await client.close();
    await emulator?.close();
  });
  beforeEach(() => {
    emulator?.faults.clear();
    emulator?.resetCalls();
  });

  const fixture: EmulatorFixture = {
    transport,
    get emulator(): Emulator {
      if (emulator === undefined) throw new Error("the emulator starts in beforeAll");
      return emulator;
    },
    connect(overrides = {}) {
      const { endpoint, restEndpoint } = fixture.emulator;
      const client = new S2({
        accessToken: "test-token",
        transport,
        endpoints:
          transport === "rest"
            ? { account: restEndpoint, basin: restEndpoint }
            : { account: endpoint, basin: endpoint, tls: false },
        retryBackoff: 1,
        ...overrides,
      });
      clients.push(client);
      return client;
    },
    async freshBasin(s2, prefix) {
      const name = `${prefix}-${process.pid}-${basinCounter++}`;
      await s2.createBasin(name, { createStreamOnAppend: true });
      return name;
    },
  };
  return fixture;
}

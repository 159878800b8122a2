import { inspect } from "node:util";
import {
  Server,
  ServerCredentials,
  type ServerDuplexStream,
  type ServerUnaryCall,
  type sendUnaryData,
  status,
} from "@grpc/grpc-js";
import { StreamServiceService } from "@retrykit/s2-proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppendRecord, S2, S2Error } from "../src/index.js";

// A valid token with a recognisable shape: it must show up nowhere.
const MARKER = "MARKER-secret-token-7f3a9c";

/** Everything an error can show: message, cause chain, String(), util.inspect and JSON. */
function everythingShown(error: unknown): string {
  const parts: string[] = [String(error), inspect(error, { depth: 10 })];
  let current: unknown = error;
  for (let i = 0; i < 10 && typeof current === "object" && current !== null; i++) {
    const e = current as Error & { details?: unknown };
    parts.push(String(e.message), String(e.stack), String(e.details));
    try {
      parts.push(JSON.stringify(e));
    } catch {
      // not serialisable: inspect above covers it
    }
    current = e.cause;
  }
  return parts.join("\n");
}

describe("access token validation", () => {
  it.each([
    ["a non-ASCII character", "SECRÉT-TOKÉN-xyz"],
    ["a control character", "SECRET-\u0001-TOKEN-xyz"],
    ["a line break", "SECRET-TOKEN\r\nx-injected: 1"],
    ["a space", "SECRET TOKEN xyz"],
  ])("a token with %s is refused at construction without being echoed", (_what, token) => {
    let thrown: unknown;
    try {
      new S2({ accessToken: token });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(TypeError);
    expect((thrown as Error).message).toMatch(/accessToken/);
    const shown = everythingShown(thrown);
    expect(shown).not.toContain(token);
    expect(shown).not.toContain("SECR");
  });
});

describe("access token secrecy", () => {
  let server: Server;
  let endpoint: string;
  const unsupported = (_call: unknown, callback: sendUnaryData<unknown>) =>
    callback({ code: status.UNIMPLEMENTED, details: "not here" });

  beforeAll(async () => {
    server = new Server();
    // A hostile or buggy server: every answer quotes the authorization header it received.
    const echo = (metadata: { get(key: string): unknown[] }) =>
      `denied for ${String(metadata.get("authorization")[0])}`;
    const handlers: Record<string, unknown> = {};
    for (const name of Object.keys(StreamServiceService)) handlers[name] = unsupported;
    handlers.checkTail = (
      call: ServerUnaryCall<unknown, unknown>,
      callback: sendUnaryData<unknown>,
    ) => callback({ code: status.PERMISSION_DENIED, details: echo(call.metadata) });
    handlers.appendSession = (call: ServerDuplexStream<unknown, unknown>) =>
      call.emit("error", { code: status.UNAUTHENTICATED, details: echo(call.metadata) });
    server.addService(StreamServiceService, handlers as never);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    endpoint = `127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
  });

  const connect = () =>
    new S2({
      accessToken: MARKER,
      transport: "grpc",
      endpoints: { account: endpoint, basin: endpoint, tls: false },
      maxRetries: 0,
    });

  it("an error whose server details quote the token shows it nowhere", async () => {
    await using s2 = connect();
    const error = await s2
      .basin("secret-basin")
      .stream("s")
      .checkTail()
      .catch((e: unknown) => e);
    expect(S2Error.is(error)).toBe(true);
    expect((error as S2Error).code).toBe(status.PERMISSION_DENIED);
    // The server did quote it: the client removed it.
    expect((error as S2Error).message).toContain("denied for Bearer <redacted>");
    expect(everythingShown(error)).not.toContain(MARKER);
  });

  it("an append session's failure shows it nowhere", async () => {
    await using s2 = connect();
    const session = s2
      .basin("secret-basin")
      .stream("s")
      .appendSession([{ records: [AppendRecord.make("x")] }]);
    const error = await (async () => {
      for await (const _ of session) {
        // no acknowledgement comes
      }
    })().catch((e: unknown) => e);
    expect(S2Error.is(error)).toBe(true);
    expect(everythingShown(error)).not.toContain(MARKER);
  });

  it("an error from any lower layer wrapped by the client is scrubbed, its cause included", () => {
    new S2({ accessToken: MARKER }).close();
    const low = Object.assign(new Error(`header value "Bearer ${MARKER}" refused`), {
      details: `Bearer ${MARKER}`,
      cause: new Error(`deeper: ${MARKER}`),
    });
    const wrapped = S2Error.from(low);
    expect(everythingShown(wrapped)).not.toContain(MARKER);
    expect(wrapped.message).toBe('header value "Bearer <redacted>" refused');
  });

  it("the client's toString, inspect, JSON and settings never show it", async () => {
    await using s2 = connect();
    const shown = [
      String(s2),
      inspect(s2, { depth: 10, showHidden: true }),
      JSON.stringify(s2),
      JSON.stringify(s2.settings),
      inspect(s2.basin("secret-basin"), { depth: 10, showHidden: true }),
      inspect(s2.basin("secret-basin").stream("s"), { depth: 10, showHidden: true }),
    ].join("\n");
    expect(shown).not.toContain(MARKER);
  });
});

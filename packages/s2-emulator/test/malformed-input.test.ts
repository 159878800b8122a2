import { Client, credentials, type Metadata, type ServiceError, status } from "@grpc/grpc-js";
import {
  AppendRequest,
  AppendSessionRequest,
  AppendSessionResponse,
  CreateBasinRequest,
  CreateStreamRequest,
  IssueAccessTokenRequest,
  ReadSessionRequest,
} from "@retrykit/s2-proto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { call, type Harness, harness, meta, records } from "./helpers.js";

const BASIN = "malformed-basin";

let h: Harness;
let raw: Client;
beforeEach(async () => {
  h = await harness();
  raw = new Client(h.emulator.endpoint, credentials.createInsecure());
  await call(
    h.account.createBasin,
    h.account,
    { basin: BASIN, scope: 0, config: { createStreamOnAppend: true, createStreamOnRead: false } },
    meta(),
  );
});
afterEach(async () => {
  raw.close();
  await h.close();
});

const identity = (buffer: Buffer) => buffer;

/** Sends `body` as the request of a unary method and resolves with the call's error. */
function unaryFailure(path: string, body: Buffer, metadata: Metadata): Promise<ServiceError> {
  return new Promise((resolve, reject) => {
    raw.makeUnaryRequest(path, identity, identity, body, metadata, (error) =>
      error === null ? reject(new Error(`${path} succeeded`)) : resolve(error),
    );
  });
}

/**
 * A message with the placeholder byte `~` (0x7e) of its string fields replaced by 0xff, which is
 * never valid in UTF-8.
 */
function withInvalidUtf8(encoded: Uint8Array): Buffer {
  const bytes = Buffer.from(encoded);
  const at = bytes.indexOf(0x7e);
  expect(at).toBeGreaterThanOrEqual(0);
  bytes[at] = 0xff;
  return bytes;
}

async function streamNames(): Promise<string[]> {
  const listed = await call(
    h.basins.listStreams,
    h.basins,
    { prefix: "", startAfter: "" },
    meta(BASIN),
  );
  return listed.streams.map((stream) => stream.name);
}

describe("a request that does not decode", () => {
  it("gets INVALID_ARGUMENT naming the RPC, not INTERNAL", async () => {
    // A length-delimited field whose length runs past the end of the message.
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0x03, 0x01]);
    const error = await unaryFailure("/s2.v1alpha.StreamService/Append", garbage, meta(BASIN));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^Append request is not a valid protobuf message: /);
  });

  it("ends a read session with INVALID_ARGUMENT", async () => {
    const error = await new Promise<ServiceError>((resolve) => {
      const stream = raw.makeServerStreamRequest(
        "/s2.v1alpha.StreamService/ReadSession",
        identity,
        identity,
        Buffer.from([0x12, 0x05, 0x01]),
        meta(BASIN),
      );
      stream.on("data", () => {});
      stream.on("error", resolve);
    });
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toContain("ReadSession request is not a valid protobuf message");
  });

  it("in an append session, is refused after the inputs before it are applied and acknowledged", async () => {
    const valid = Buffer.from(
      AppendSessionRequest.encode({ input: { stream: "s", records: records("first") } }).finish(),
    );
    const outcome = await new Promise<{ acks: AppendSessionResponse[]; error: ServiceError }>(
      (resolve) => {
        const acks: AppendSessionResponse[] = [];
        const session = raw.makeBidiStreamRequest(
          "/s2.v1alpha.StreamService/AppendSession",
          identity,
          (buffer: Buffer) => AppendSessionResponse.decode(buffer),
          meta(BASIN),
        );
        session.on("data", (ack: AppendSessionResponse) => acks.push(ack));
        session.on("error", (error: ServiceError) => resolve({ acks, error }));
        session.write(valid);
        session.write(Buffer.from([0x0a, 0x7f]));
        session.end();
      },
    );
    expect(outcome.acks.map((ack) => ack.output?.startSeqNum)).toEqual([0n]);
    expect(outcome.error.code).toBe(status.INVALID_ARGUMENT);
    expect(outcome.error.details).toContain(
      "AppendSession request is not a valid protobuf message",
    );
  });
});

describe("a string that is not valid UTF-8", () => {
  it("is refused as a stream name instead of being stored with U+FFFD", async () => {
    const create = withInvalidUtf8(CreateStreamRequest.encode({ stream: "bad~name" }).finish());
    const error = await unaryFailure("/s2.v1alpha.BasinService/CreateStream", create, meta(BASIN));
    expect(error.code).toBe(status.INVALID_ARGUMENT);
    expect(error.details).toBe(
      "CreateStream request: a string field is not valid UTF-8 (bytes 626164ff6e616d65)",
    );
    // Nested in the append's input, where the stream would be created on append.
    const append = withInvalidUtf8(
      AppendRequest.encode({ input: { stream: "auto~name", records: records("x") } }).finish(),
    );
    const appendError = await unaryFailure("/s2.v1alpha.StreamService/Append", append, meta(BASIN));
    expect(appendError.code).toBe(status.INVALID_ARGUMENT);
    expect(appendError.details).toContain("not valid UTF-8");
    expect(await streamNames()).toEqual([]);
  });

  it("is refused as a basin name and as an access token id", async () => {
    const basin = withInvalidUtf8(
      CreateBasinRequest.encode({ basin: "basin~with-bad-byte", scope: 0 }).finish(),
    );
    const basinError = await unaryFailure("/s2.v1alpha.AccountService/CreateBasin", basin, meta());
    expect(basinError.code).toBe(status.INVALID_ARGUMENT);
    expect(basinError.details).toContain("CreateBasin request: a string field is not valid UTF-8");
    const token = withInvalidUtf8(
      IssueAccessTokenRequest.encode({
        info: { id: "token~id", autoPrefixStreams: false, scope: { ops: [] } },
      }).finish(),
    );
    const tokenError = await unaryFailure(
      "/s2.v1alpha.AccountService/IssueAccessToken",
      token,
      meta(),
    );
    expect(tokenError.code).toBe(status.INVALID_ARGUMENT);
    expect(tokenError.details).toContain("not valid UTF-8");
    const tokens = await call(
      h.account.listAccessTokens,
      h.account,
      { prefix: "", startAfter: "" },
      meta(),
    );
    expect(tokens.accessTokens).toEqual([]);
  });

  it("is told apart from a name that really holds U+FFFD, which is accepted", async () => {
    await call(h.basins.createStream, h.basins, { stream: "a\uFFFDb" }, meta(BASIN));
    expect(await streamNames()).toEqual(["a\uFFFDb"]);
  });

  it("in a read session's stream name, ends the session with INVALID_ARGUMENT", async () => {
    const request = withInvalidUtf8(
      ReadSessionRequest.encode({ stream: "read~me", clamp: false, heartbeats: false }).finish(),
    );
    const error = await new Promise<ServiceError>((resolve) => {
      const stream = raw.makeServerStreamRequest(
        "/s2.v1alpha.StreamService/ReadSession",
        identity,
        identity,
        request,
        meta(BASIN),
      );
      stream.on("data", () => {});
      stream.on("error", resolve);
    });
    expect(error.code).toBe(status.INVALID_ARGUMENT);
  });
});

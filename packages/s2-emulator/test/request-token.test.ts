import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { afterEach, describe, expect, it } from "vitest";
import { REQUEST_TOKEN_MAX_AGE_MS, RequestTokens } from "../src/model/request-tokens.js";
import { call, codeOf, type Harness, harness, meta } from "./helpers.js";

let h: Harness | undefined;
let dir: string | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const B = "token-basin";
const basinToken = { "s2-request-token": "basin-create-1" };
const streamToken = { "s2-request-token": "stream-create-1" };
const createBasin = (extra: Record<string, string>) =>
  call(
    h!.account.createBasin,
    h!.account,
    { basin: B, scope: 0 },
    meta(undefined, undefined, extra),
  );
const createStream = (extra: Record<string, string>) =>
  call(h!.basins.createStream, h!.basins, { stream: "s" }, meta(B, undefined, extra));

describe("s2-request-token across a restart", () => {
  it("answers a retried create with the first answer after a restart with the same data directory", async () => {
    dir = mkdtempSync(join(tmpdir(), "s2-emulator-token-"));
    let clock = 1_700_000_000_000;
    const now = () => clock;
    h = await harness({ dataDir: dir, now });
    const basin = await createBasin(basinToken);
    const stream = await createStream(streamToken);
    await h.close();

    clock += 60_000;
    h = await harness({ dataDir: dir, now });
    expect(await createBasin(basinToken)).toEqual(basin);
    expect(await createStream(streamToken)).toEqual(stream);
    // Without the token, or with another one, the create is new and fails.
    expect(await codeOf(createBasin({}))).toBe(status.ALREADY_EXISTS);
    expect(await codeOf(createStream({ "s2-request-token": "stream-create-2" }))).toBe(
      status.ALREADY_EXISTS,
    );
    await h.close();

    // Past the age bound, the answers are gone (and no longer written out).
    clock += REQUEST_TOKEN_MAX_AGE_MS;
    h = await harness({ dataDir: dir, now });
    expect(await codeOf(createBasin(basinToken))).toBe(status.ALREADY_EXISTS);
    await call(h.account.createBasin, h.account, { basin: "other-basin", scope: 0 }, meta());
    const metadata = JSON.parse(readFileSync(join(dir, "metadata.json"), "utf8"));
    expect(metadata.requestTokens).toEqual([]);
  });

  it("keeps the answer durable with the create it answers", async () => {
    dir = mkdtempSync(join(tmpdir(), "s2-emulator-token-"));
    h = await harness({ dataDir: dir });
    await createBasin(basinToken);
    // Written before the create was acknowledged: no close needed.
    const metadata = JSON.parse(readFileSync(join(dir, "metadata.json"), "utf8"));
    expect(metadata.basins.map((b: { name: string }) => b.name)).toEqual([B]);
    expect(metadata.requestTokens).toHaveLength(1);
    expect(metadata.requestTokens[0].response).toMatchObject({ info: { name: B } });
  });
});

describe("RequestTokens", () => {
  const answer = (key: string, answeredAt: number) => ({
    key,
    fingerprint: "{}",
    response: {},
    answeredAt,
  });

  it("keeps at most maxEntries answers, dropping the oldest", () => {
    const tokens = new RequestTokens(3, 1000);
    for (let i = 0; i < 5; i++) tokens.remember(answer(`k${i}`, i), i);
    expect(tokens.size).toBe(3);
    expect(tokens.get("k1", 5)).toBeUndefined();
    expect(tokens.list().map((a) => a.key)).toEqual(["k2", "k3", "k4"]);
  });

  it("forgets answers older than maxAgeMs", () => {
    const tokens = new RequestTokens(10, 1000);
    tokens.remember(answer("old", 0), 0);
    expect(tokens.get("old", 999)).toBeDefined();
    expect(tokens.get("old", 1000)).toBeUndefined();
    tokens.remember(answer("new", 1500), 1500);
    expect(tokens.list().map((a) => a.key)).toEqual(["new"]);
  });

  it("rejects bad bounds", () => {
    expect(() => new RequestTokens(0)).toThrow(/maxEntries.*0/);
    expect(() => new RequestTokens(10, -1)).toThrow(/maxAgeMs.*-1/);
  });
});

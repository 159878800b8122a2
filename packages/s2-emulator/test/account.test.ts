import { status } from "@grpc/grpc-js";
import { type AccessTokenScope, BasinState, Operation, StorageClass } from "@retrykit/s2-proto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { call, codeOf, failure, type Harness, harness, meta, records } from "./helpers.js";

let h: Harness;
afterEach(() => h?.close());

describe("AccountService", () => {
  it("creates, lists with prefix/startAfter/limit, and deletes basins", async () => {
    h = await harness();
    const { account } = h;
    for (const name of ["alpha-001", "alpha-002", "alpha-003", "beta-0001"]) {
      await call(account.createBasin, account, { basin: name, scope: 0 }, meta());
    }
    const first = await call(
      account.listBasins,
      account,
      { prefix: "alpha", startAfter: "", limit: 2n },
      meta(),
    );
    expect(first.basins.map((b) => b.name)).toEqual(["alpha-001", "alpha-002"]);
    expect(first.hasMore).toBe(true);
    const second = await call(
      account.listBasins,
      account,
      { prefix: "alpha", startAfter: "alpha-002", limit: 2n },
      meta(),
    );
    expect(second.basins.map((b) => b.name)).toEqual(["alpha-003"]);
    expect(second.hasMore).toBe(false);
    expect(second.basins[0]?.state).toBe(BasinState.BASIN_STATE_ACTIVE);
    await call(account.deleteBasin, account, { basin: "beta-0001" }, meta());
    expect(
      await codeOf(call(account.getBasinConfig, account, { basin: "beta-0001" }, meta())),
    ).toBe(status.NOT_FOUND);
    expect(await codeOf(call(account.deleteBasin, account, { basin: "beta-0001" }, meta()))).toBe(
      status.NOT_FOUND,
    );
  });

  it("rejects bad names and duplicates", async () => {
    h = await harness();
    const { account } = h;
    expect(
      await codeOf(call(account.createBasin, account, { basin: "short", scope: 0 }, meta())),
    ).toBe(status.INVALID_ARGUMENT);
    expect(
      await codeOf(call(account.createBasin, account, { basin: "-bad-name-", scope: 0 }, meta())),
    ).toBe(status.INVALID_ARGUMENT);
    expect(
      await codeOf(call(account.createBasin, account, { basin: "Upper-Case", scope: 0 }, meta())),
    ).toBe(status.INVALID_ARGUMENT);
    await call(account.createBasin, account, { basin: "good-basin", scope: 0 }, meta());
    expect(
      await codeOf(call(account.createBasin, account, { basin: "good-basin", scope: 0 }, meta())),
    ).toBe(status.ALREADY_EXISTS);
    expect(
      await codeOf(call(account.listBasins, account, { prefix: "b", startAfter: "a" }, meta())),
    ).toBe(status.INVALID_ARGUMENT);
  });

  it("answers a retried create with the same s2-request-token with the first answer", async () => {
    h = await harness();
    const { account, basins } = h;
    const token = { "s2-request-token": "0123456789abcdef" };
    const a = await call(
      account.createBasin,
      account,
      { basin: "idem-basin", scope: 0 },
      meta(undefined, undefined, token),
    );
    const b = await call(
      account.createBasin,
      account,
      { basin: "idem-basin", scope: 0 },
      meta(undefined, undefined, token),
    );
    expect(b).toEqual(a);
    const other = { "s2-request-token": "another-token" };
    expect(
      await codeOf(
        call(
          account.createBasin,
          account,
          { basin: "idem-basin", scope: 0 },
          meta(undefined, undefined, other),
        ),
      ),
    ).toBe(status.ALREADY_EXISTS);
    const s1 = await call(
      basins.createStream,
      basins,
      { stream: "s" },
      meta("idem-basin", undefined, token),
    );
    const s2 = await call(
      basins.createStream,
      basins,
      { stream: "s" },
      meta("idem-basin", undefined, token),
    );
    expect(s2).toEqual(s1);
    const tooLong = { "s2-request-token": "x".repeat(37) };
    expect(
      await codeOf(
        call(basins.createStream, basins, { stream: "t" }, meta("idem-basin", undefined, tooLong)),
      ),
    ).toBe(status.INVALID_ARGUMENT);
  });

  it("reconfigures a basin with a field mask and keeps the default retention", async () => {
    h = await harness();
    const { account } = h;
    const created = await call(
      account.createBasin,
      account,
      { basin: "conf-basin", scope: 0 },
      meta(),
    );
    expect(created.info?.name).toBe("conf-basin");
    const initial = await call(account.getBasinConfig, account, { basin: "conf-basin" }, meta());
    expect(initial.config?.defaultStreamConfig?.retentionPolicy).toEqual({
      $case: "age",
      age: 604800n,
    });
    const updated = await call(
      account.reconfigureBasin,
      account,
      {
        basin: "conf-basin",
        config: {
          createStreamOnAppend: true,
          createStreamOnRead: true,
          defaultStreamConfig: { storageClass: StorageClass.STORAGE_CLASS_STANDARD },
        },
        mask: ["create_stream_on_append", "default_stream_config.storage_class"],
      },
      meta(),
    );
    expect(updated.config?.createStreamOnAppend).toBe(true);
    expect(updated.config?.createStreamOnRead).toBe(false);
    expect(updated.config?.defaultStreamConfig?.storageClass).toBe(
      StorageClass.STORAGE_CLASS_STANDARD,
    );
    expect(updated.config?.defaultStreamConfig?.retentionPolicy).toEqual({
      $case: "age",
      age: 604800n,
    });
    expect(
      await codeOf(
        call(
          account.reconfigureBasin,
          account,
          { basin: "conf-basin", config: {} as never, mask: ["nope"] },
          meta(),
        ),
      ),
    ).toBe(status.INVALID_ARGUMENT);
  });

  it("shows deletion as a DELETING state during the deletion delay", async () => {
    h = await harness({ deletionDelay: 200 });
    const { account, basins } = h;
    await call(account.createBasin, account, { basin: "doomed-basin", scope: 0 }, meta());
    await call(basins.createStream, basins, { stream: "s" }, meta("doomed-basin"));
    await call(basins.deleteStream, basins, { stream: "s" }, meta("doomed-basin"));
    const listed = await call(
      basins.listStreams,
      basins,
      { prefix: "", startAfter: "" },
      meta("doomed-basin"),
    );
    expect(listed.streams[0]?.deletedAt).toBeGreaterThan(0);
    expect(
      await codeOf(call(basins.createStream, basins, { stream: "s" }, meta("doomed-basin"))),
    ).toBe(status.FAILED_PRECONDITION);
    await call(account.deleteBasin, account, { basin: "doomed-basin" }, meta());
    const list = await call(account.listBasins, account, { prefix: "", startAfter: "" }, meta());
    expect(list.basins[0]?.state).toBe(BasinState.BASIN_STATE_DELETING);
    expect(
      await codeOf(call(account.getBasinConfig, account, { basin: "doomed-basin" }, meta())),
    ).toBe(status.FAILED_PRECONDITION);
    // The deletion completes on the emulator's own timer: wait for it, bounded, instead of guessing.
    await vi.waitFor(
      async () => {
        const after = await call(
          account.listBasins,
          account,
          { prefix: "", startAfter: "" },
          meta(),
        );
        expect(after.basins).toEqual([]);
      },
      { timeout: 5_000, interval: 20 },
    );
  });
});

describe("access tokens", () => {
  it("requires the root token when one is configured", async () => {
    h = await harness({ rootToken: "root-secret" });
    const { account } = h;
    expect(
      await codeOf(call(account.listBasins, account, { prefix: "", startAfter: "" }, meta())),
    ).toBe(status.UNAUTHENTICATED);
    expect(
      await codeOf(
        call(account.listBasins, account, { prefix: "", startAfter: "" }, meta(undefined, "wrong")),
      ),
    ).toBe(status.UNAUTHENTICATED);
    await call(
      account.listBasins,
      account,
      { prefix: "", startAfter: "" },
      meta(undefined, "root-secret"),
    );
  });

  it("issues, enforces, lists and revokes scoped tokens", async () => {
    h = await harness({ rootToken: "root-secret" });
    const { account, basins, streams } = h;
    const root = meta(undefined, "root-secret");
    await call(account.createBasin, account, { basin: "tok-basin", scope: 0 }, root);
    await call(account.createBasin, account, { basin: "other-basin", scope: 0 }, root);
    const { accessToken } = await call(
      account.issueAccessToken,
      account,
      {
        info: {
          id: "reader",
          autoPrefixStreams: true,
          scope: {
            basins: { matching: { $case: "exact", exact: "tok-basin" } },
            streams: { matching: { $case: "prefix", prefix: "team/" } },
            opGroups: { stream: { read: true, write: false } },
            ops: [
              Operation.OPERATION_APPEND,
              Operation.OPERATION_CREATE_STREAM,
              Operation.OPERATION_LIST_STREAMS,
            ],
          },
        },
      },
      root,
    );
    expect(accessToken.length).toBeGreaterThan(10);
    const as = meta("tok-basin", accessToken);
    await call(basins.createStream, basins, { stream: "events" }, as);
    // auto_prefix_streams: stored as team/events, seen as events.
    const rootList = await call(
      basins.listStreams,
      basins,
      { prefix: "", startAfter: "" },
      meta("tok-basin", "root-secret"),
    );
    expect(rootList.streams.map((s) => s.name)).toEqual(["team/events"]);
    const tokenList = await call(basins.listStreams, basins, { prefix: "", startAfter: "" }, as);
    expect(tokenList.streams.map((s) => s.name)).toEqual(["events"]);
    await call(streams.append, streams, { input: { stream: "events", records: records("x") } }, as);
    const tail = await call(streams.checkTail, streams, { stream: "events" }, as);
    expect(tail.nextSeqNum).toBe(1n);
    // Not permitted: an op outside the scope, a basin outside the scope, a fence record.
    expect(await codeOf(call(basins.deleteStream, basins, { stream: "events" }, as))).toBe(
      status.PERMISSION_DENIED,
    );
    expect(
      await codeOf(
        call(streams.checkTail, streams, { stream: "events" }, meta("other-basin", accessToken)),
      ),
    ).toBe(status.PERMISSION_DENIED);
    const fence = {
      headers: [{ name: Buffer.alloc(0), value: Buffer.from("fence") }],
      body: Buffer.from("t"),
    };
    expect(
      await codeOf(
        call(streams.append, streams, { input: { stream: "events", records: [fence] } }, as),
      ),
    ).toBe(status.PERMISSION_DENIED);
    expect(
      await codeOf(call(account.listBasins, account, { prefix: "", startAfter: "" }, as)),
    ).toBe(status.PERMISSION_DENIED);

    const tokens = await call(
      account.listAccessTokens,
      account,
      { prefix: "", startAfter: "" },
      root,
    );
    expect(tokens.accessTokens.map((t) => t.id)).toEqual(["reader"]);
    expect(
      await codeOf(
        call(
          account.issueAccessToken,
          account,
          { info: { id: "reader", autoPrefixStreams: false } },
          root,
        ),
      ),
    ).toBe(status.ALREADY_EXISTS);
    const revoked = await call(account.revokeAccessToken, account, { id: "reader" }, root);
    expect(revoked.info?.id).toBe("reader");
    expect(await codeOf(call(streams.checkTail, streams, { stream: "events" }, as))).toBe(
      status.UNAUTHENTICATED,
    );
    expect(await codeOf(call(account.revokeAccessToken, account, { id: "reader" }, root))).toBe(
      status.NOT_FOUND,
    );
  });

  it("rejects expired tokens and bad issue requests", async () => {
    let now = 1_700_000_000_000;
    h = await harness({ now: () => now });
    const { account } = h;
    const expiresAt = Math.floor(now / 1000) + 60;
    const { accessToken } = await call(
      account.issueAccessToken,
      account,
      {
        info: {
          id: "short-lived",
          expiresAt,
          autoPrefixStreams: false,
          scope: { opGroups: { account: { read: true, write: false } }, ops: [] },
        },
      },
      meta(),
    );
    await call(
      account.listBasins,
      account,
      { prefix: "", startAfter: "" },
      meta(undefined, accessToken),
    );
    now += 61_000;
    expect(
      await codeOf(
        call(
          account.listBasins,
          account,
          { prefix: "", startAfter: "" },
          meta(undefined, accessToken),
        ),
      ),
    ).toBe(status.UNAUTHENTICATED);
    expect(
      await codeOf(
        call(
          account.issueAccessToken,
          account,
          { info: { id: "past", expiresAt: 1, autoPrefixStreams: false } },
          meta(),
        ),
      ),
    ).toBe(status.INVALID_ARGUMENT);
    expect(
      await codeOf(
        call(
          account.issueAccessToken,
          account,
          {
            info: {
              id: "np",
              autoPrefixStreams: true,
              scope: { streams: { matching: { $case: "exact", exact: "a" } }, ops: [] },
            },
          },
          meta(),
        ),
      ),
    ).toBe(status.INVALID_ARGUMENT);
  });
  it("lets a token issue only tokens within its own scope", async () => {
    h = await harness();
    const { account } = h;
    const issue = (id: string, scope: AccessTokenScope, as = meta()) =>
      call(
        account.issueAccessToken,
        account,
        { info: { id, autoPrefixStreams: false, scope } },
        as,
      );
    const prefix = (value: string) => ({ matching: { $case: "prefix" as const, prefix: value } });
    const exact = (value: string) => ({ matching: { $case: "exact" as const, exact: value } });
    const { accessToken } = await issue("issuer", {
      basins: prefix("team-"),
      streams: prefix(""),
      accessTokens: prefix("team-"),
      opGroups: { stream: { read: true, write: false } },
      ops: [Operation.OPERATION_ISSUE_ACCESS_TOKEN, Operation.OPERATION_APPEND],
    });
    const asIssuer = meta(undefined, accessToken);
    // Within: fewer operations, narrower resources.
    await issue(
      "team-reader",
      {
        basins: exact("team-a"),
        streams: prefix("logs/"),
        opGroups: { stream: { read: true, write: false } },
        ops: [],
      },
      asIssuer,
    );
    await issue(
      "team-appender",
      { basins: prefix("team-a"), accessTokens: exact(""), ops: [Operation.OPERATION_APPEND] },
      asIssuer,
    );
    const denied = [
      // An operation the issuer lacks, explicitly or through a group.
      { basins: prefix("team-"), ops: [Operation.OPERATION_TRIM] },
      { basins: prefix("team-"), opGroups: { stream: { read: false, write: true } }, ops: [] },
      { basins: prefix("team-"), opGroups: { account: { read: true, write: false } }, ops: [] },
      // Resources beyond the issuer's.
      { basins: prefix("other-"), ops: [Operation.OPERATION_READ] },
      { basins: prefix("team"), ops: [Operation.OPERATION_READ] },
      { basins: exact("ops-basin"), ops: [Operation.OPERATION_READ] },
      { accessTokens: prefix(""), ops: [Operation.OPERATION_READ] },
    ];
    for (const [i, scope] of denied.entries()) {
      const error = await failure(issue(`team-denied-${i}`, scope, asIssuer));
      expect(error.code, JSON.stringify(scope)).toBe(status.PERMISSION_DENIED);
    }
    const tokens = await call(
      account.listAccessTokens,
      account,
      { prefix: "", startAfter: "" },
      meta(),
    );
    expect(tokens.accessTokens.map((t) => t.id)).toEqual([
      "issuer",
      "team-appender",
      "team-reader",
    ]);
  });

  it("refuses a scope with an operation number it does not know, before issuing anything", async () => {
    h = await harness();
    const { account } = h;
    const issue = (ops: Operation[]) =>
      call(
        account.issueAccessToken,
        account,
        { info: { id: "odd-ops", autoPrefixStreams: false, scope: { ops } } },
        meta(),
      );
    const unknown = await failure(issue([Operation.OPERATION_READ, 999 as Operation]));
    expect(unknown.code).toBe(status.INVALID_ARGUMENT);
    expect(unknown.details).toBe("scope.ops[1] must be a known operation (1 to 21), got 999");
    const unspecified = await failure(issue([Operation.OPERATION_UNSPECIFIED]));
    expect(unspecified.code).toBe(status.INVALID_ARGUMENT);
    const tokens = await call(
      account.listAccessTokens,
      account,
      { prefix: "", startAfter: "" },
      meta(),
    );
    expect(tokens.accessTokens).toEqual([]);
  });
});

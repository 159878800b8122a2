import { status } from "@grpc/grpc-js";
import { TimeoutError } from "@retrykit/retry-core";
import { describe, expect, it } from "vitest";
import { S2, S2Error, type S2GiveUpEvent, type S2RetryEvent } from "../src/index.js";
import { engineHooks } from "../src/retry-events.js";

const endpoints = { account: "127.0.0.1:1", basin: "127.0.0.1:1", tls: false };
const history = { attempts: [], stopReason: undefined, omitted: 0 };

describe("retry hook options", () => {
  it("must be functions", () => {
    expect(() => new S2({ accessToken: "t", endpoints, onRetry: 1 as never })).toThrow(
      new TypeError("onRetry must be a function, got 1"),
    );
    expect(() => new S2({ accessToken: "t", endpoints, onGiveUp: "log" as never })).toThrow(
      /onGiveUp must be a function, got "log"/,
    );
  });
});

describe("engineHooks", () => {
  it("adds no engine hook when the client has none", () => {
    expect(engineHooks("CheckTail", { onRetry: undefined, onGiveUp: undefined })).toEqual({});
  });

  it("forwards retries with the RPC name and the error as an S2Error", () => {
    const events: S2RetryEvent[] = [];
    const hooks = engineHooks("ReadSession", {
      onRetry: (e) => events.push(e),
      onGiveUp: undefined,
    });
    const unavailable = new S2Error("down", { code: status.UNAVAILABLE });
    hooks.onRetry?.({ attempt: 2, error: unavailable, delay: 40, elapsed: 123, history });
    const idle = new TimeoutError("attempt", 20_000, "no item within 20000 ms");
    hooks.onRetry?.({ attempt: 1, error: idle, delay: 10, elapsed: 20_001, history });
    expect(events[0]).toEqual({
      rpc: "ReadSession",
      attempt: 2,
      error: unavailable,
      delay: 40,
      elapsed: 123,
      history,
    });
    expect(events[1]?.error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(events[1]?.error.cause).toBe(idle);
  });

  it("forwards give-ups of S2 failures only (not aborts, not bad input)", () => {
    const events: S2GiveUpEvent[] = [];
    const hooks = engineHooks("Append", { onRetry: undefined, onGiveUp: (e) => events.push(e) });
    const error = new S2Error("down", { code: status.UNAVAILABLE });
    hooks.onGiveUp?.({ attempt: 4, error, reason: "max-tries", elapsed: 9, history });
    hooks.onGiveUp?.({ attempt: 1, error, reason: "aborted", elapsed: 1, history });
    hooks.onGiveUp?.({
      attempt: 1,
      error: new TypeError("bad"),
      reason: "not-retryable",
      elapsed: 0,
      history,
    });
    expect(events).toEqual([
      { rpc: "Append", attempt: 4, error, reason: "max-tries", elapsed: 9, history },
    ]);
  });
});

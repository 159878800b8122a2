import {
  asyncBackoff,
  asyncRetry,
  Backoff,
  Context,
  constant,
  decorrelatedJitter,
  equalJitter,
  exponential,
  fibonacci,
  fullJitter,
  linear,
  list,
  proportionalJitter,
  RETRY_POLICY_METADATA,
  Retry,
  random,
  retriedMethods,
  retry,
  retryPolicyOf,
  retryWith,
  seededRandom,
} from "@retrykit/retry-core";
import { describe, expect, it } from "vitest";

class Flaky extends Error {}

describe("without reflect-metadata", () => {
  it("is not loaded in this file, and decorators work", async () => {
    expect((Reflect as { getOwnMetadataKeys?: unknown }).getOwnMetadataKeys).toBeUndefined();
    class Repo {
      calls = 0;
      @asyncRetry(3)
      async load() {
        if (++this.calls < 3) throw new Flaky();
        return this.calls;
      }
    }
    await expect(new Repo().load()).resolves.toBe(3);
    expect(retryPolicyOf(Repo.prototype.load)?.kind).toBe("call");
  });
});

describe("retryPolicyOf", () => {
  it("describes asyncBackoff's options, frozen", () => {
    const giveup = () => false;
    const fn = asyncBackoff({
      attemptTimeout: 200,
      deadline: 2_000,
      pause: exponential({ initial: 50, max: 1_000 }),
      exceptions: [Flaky, TypeError],
      maxTries: 4,
      giveup,
      onRetry: () => {},
    })(async function load(_id: string) {});
    const description = retryPolicyOf(fn);
    expect(description).toEqual({
      kind: "call",
      source: "fixed",
      decorator: "asyncBackoff",
      name: "load",
      maxTries: 4,
      attemptTimeout: 200,
      deadline: 2_000,
      idleTimeout: null,
      pause: { strategy: "exponential", initial: 50, factor: 2, min: 0, max: 1_000 },
      exceptions: ["Flaky", "TypeError"],
      anyError: false,
      retryIf: false,
      giveup: true,
      retryAfter: false,
      resume: false,
      signal: false,
      onRetry: true,
      onGiveUp: false,
    });
    expect(Object.isFrozen(description)).toBe(true);
    expect(Object.isFrozen((description as { exceptions: unknown }).exceptions)).toBe(true);
    expect(retryPolicyOf(fn)).toBe(description); // computed once
    expect(JSON.parse(JSON.stringify(description))).toEqual(description);
  });

  it("describes the positional form and asyncRetry", () => {
    expect(retryPolicyOf(asyncBackoff(100, null, 5, Flaky)(async () => {}))).toMatchObject({
      attemptTimeout: 100,
      deadline: null,
      pause: 5,
      maxTries: null,
      exceptions: ["Flaky"],
      anyError: false,
    });
    expect(retryPolicyOf(asyncRetry(3)(async () => {}))).toMatchObject({
      decorator: "asyncRetry",
      maxTries: 3,
      pause: 0,
      anyError: true,
      retryIf: false,
    });
    expect(
      retryPolicyOf(asyncRetry(3, { retryIf: (e) => e instanceof Flaky })(async () => {})),
    ).toMatchObject({ anyError: false, retryIf: true });
  });

  it("tells sessions from calls", () => {
    const stream = asyncBackoff({ idleTimeout: 1_000, resume: ({ args }) => args })(
      async function* numbers() {
        yield 1;
      },
    );
    expect(retryPolicyOf(stream)).toMatchObject({
      kind: "session",
      name: "numbers",
      idleTimeout: 1_000,
      resume: true,
    });
  });

  it("describes every strategy with its parameters", () => {
    const custom = { begin: () => ({ next: () => 1 }) };
    const pauses = [
      [constant(250), { strategy: "constant", ms: 250 }],
      [
        linear({ initial: 10, step: 5 }),
        { strategy: "linear", initial: 10, step: 5, min: 0, max: null },
      ],
      [
        fibonacci({ initial: 10, max: 100 }),
        { strategy: "fibonacci", initial: 10, min: 0, max: 100 },
      ],
      [list([1, 2, 3]), { strategy: "list", delays: [1, 2, 3], min: 0, max: null }],
      [random({ min: 1, max: 9 }), { strategy: "random", min: 1, max: 9, random: "Math.random" }],
      [
        fullJitter({ base: 100, cap: 1_000, random: seededRandom(1) }),
        { strategy: "fullJitter", base: 100, factor: 2, cap: 1_000, min: 0, random: "custom" },
      ],
      [
        equalJitter({ base: 100, cap: 1_000, factor: 3 }),
        {
          strategy: "equalJitter",
          base: 100,
          factor: 3,
          cap: 1_000,
          min: 0,
          random: "Math.random",
        },
      ],
      [
        decorrelatedJitter({ base: 100, cap: 1_000, min: 50 }),
        { strategy: "decorrelatedJitter", base: 100, cap: 1_000, min: 50, random: "Math.random" },
      ],
      [
        proportionalJitter(500, { ratio: 0.1 }),
        {
          strategy: "proportionalJitter",
          inner: { strategy: "constant", ms: 500 },
          ratio: 0.1,
          direction: "both",
          min: 0,
          max: null,
          random: "Math.random",
        },
      ],
      [custom, { strategy: "custom" }],
    ] as const;
    for (const [pause, expected] of pauses) {
      expect(retryPolicyOf(asyncBackoff({ pause })(async () => {}))?.source).toBe("fixed");
      expect(retryPolicyOf(asyncBackoff({ pause })(async () => {}))).toMatchObject({
        pause: expected,
      });
    }
  });

  it("describes kaioretry's Retry in its three modes, and retry/aioretry", () => {
    const context = new Context({ tries: 5, delay: 10, maxDelay: 100, updateDelay: (d) => d * 2 });
    const retrier = Retry([Flaky], context);
    const expected = {
      maxTries: 5,
      exceptions: ["Flaky"],
      anyError: false,
      pause: {
        strategy: "context",
        delay: 10,
        minDelay: 0,
        maxDelay: 100,
        updateDelay: "updateDelay",
      },
    };
    expect(retryPolicyOf(retrier(() => 1))).toMatchObject({
      ...expected,
      decorator: "Retry",
      mode: "auto",
    });
    expect(retryPolicyOf(retrier.retry(() => 1))).toMatchObject({ ...expected, mode: "sync" });
    expect(retryPolicyOf(retrier.aioretry(async () => 1))).toMatchObject({
      ...expected,
      mode: "async",
    });
    expect(retryPolicyOf(Retry()(() => 1))).toMatchObject({ anyError: true, maxTries: null });
    expect(retryPolicyOf(retry({ tries: 3 })((x: number) => x))).toMatchObject({
      decorator: "Retry.retry",
      maxTries: 3,
      anyError: true,
    });
  });

  it("is undefined for anything not wrapped here", () => {
    for (const value of [async () => {}, function named() {}, undefined, null, 42, {}, "load"]) {
      expect(retryPolicyOf(value)).toBeUndefined();
    }
  });
});

describe("retryWith: a policy per instance", () => {
  class Client {
    constructor(readonly retries: Backoff | null) {}
    @retryWith((self: Client) => self.retries, {
      signal: () => undefined,
      describe: { rpc: "Ping", idempotent: true },
    })
    async ping() {
      return "pong";
    }
    @retryWith((_self: Client, [needed]: [{ backoff: Backoff }]) => needed.backoff)
    async needsArguments(_needed: { backoff: Backoff }) {}
  }

  it("the class alone: what can be known", () => {
    expect(retryPolicyOf(Client.prototype.ping)).toEqual({
      kind: "call",
      source: "per-instance",
      decorator: "retryWith",
      name: "ping",
      select: "anonymous",
      signal: true,
      resume: false,
      idleTimeout: null,
      details: { rpc: "Ping", idempotent: true },
    });
  });

  it("resolved for an instance, or null when it does not retry", () => {
    const client = new Client(
      new Backoff({ maxTries: 3, pause: constant(20), exceptions: [Flaky] }),
    );
    expect(retryPolicyOf(client.ping, client)).toMatchObject({
      source: "per-instance",
      details: { rpc: "Ping" },
      resolved: {
        source: "fixed",
        decorator: "retryWith",
        name: "ping",
        maxTries: 3,
        pause: { strategy: "constant", ms: 20 },
        exceptions: ["Flaky"],
        details: { rpc: "Ping", idempotent: true },
      },
    });
    expect(retryPolicyOf(client.ping, new Client(null))).toMatchObject({ resolved: null });
    // The selector reads the arguments: no resolution without a call.
    const unresolved = retryPolicyOf(client.needsArguments, client);
    expect(unresolved).toHaveProperty("resolved", undefined);
  });

  it("rejects a describe that is not an object", () => {
    expect(() => retryWith(() => null, { describe: "Ping" as never })).toThrow(TypeError);
  });
});

describe("retriedMethods", () => {
  class Base {
    @asyncRetry(2)
    async save() {}
    @asyncRetry(2)
    async load() {}
    async plain() {}
  }
  class Derived extends Base {
    @asyncBackoff({ maxTries: 5 })
    override async load() {}
    @asyncRetry(3)
    static async create() {}
    @asyncRetry(4)
    async #flush() {}
    @asyncBackoff({ maxTries: 6 })
    async *watch() {
      yield 1;
    }
    run() {
      return this.#flush();
    }
  }

  it("lists a class's and its parents' retried methods, most derived first", () => {
    const listed = retriedMethods(Derived).map((m) => ({
      at: `${m.owner}${m.static ? "." : "#"}${String(m.name)}`,
      private: m.private,
      overridden: m.overridden,
      kind: m.policy.kind,
      maxTries: m.policy.source === "fixed" ? m.policy.maxTries : undefined,
    }));
    expect(listed).toEqual([
      { at: "Derived#load", private: false, overridden: false, kind: "call", maxTries: 5 },
      { at: "Derived#watch", private: false, overridden: false, kind: "session", maxTries: 6 },
      { at: "Derived.create", private: false, overridden: false, kind: "call", maxTries: 3 },
      // Private methods come from the decorator metadata (esbuild provides Symbol.metadata here).
      { at: "Derived##flush", private: true, overridden: false, kind: "call", maxTries: 4 },
      { at: "Base#save", private: false, overridden: false, kind: "call", maxTries: 2 },
      { at: "Base#load", private: false, overridden: true, kind: "call", maxTries: 2 },
    ]);
    expect(Object.isFrozen(retriedMethods(Derived))).toBe(true);
  });

  it("accepts an instance, and resolves retryWith policies for it", () => {
    class Client {
      constructor(readonly retries: Backoff | null) {}
      @retryWith((self: Client) => self.retries)
      async ping() {}
    }
    expect(retriedMethods(new Derived()).map((m) => m.name)).toEqual(
      retriedMethods(Derived).map((m) => m.name),
    );
    const [ping] = retriedMethods(new Client(new Backoff({ maxTries: 2 })));
    expect(ping?.policy).toMatchObject({ source: "per-instance", resolved: { maxTries: 2 } });
    expect(retriedMethods(Client)[0]?.policy).not.toHaveProperty("resolved");
  });

  it("keeps the list in the TC39 decorator metadata", () => {
    const metadataKey = (Symbol as { metadata?: symbol }).metadata ?? Symbol.for("Symbol.metadata");
    const metadata = (Derived as unknown as Record<symbol, Record<string, unknown>>)[metadataKey];
    const own = metadata?.[RETRY_POLICY_METADATA] as Array<{ name: unknown; policy: unknown }>;
    // In the order the decorators ran: static methods first.
    expect(own.map((entry) => entry.name)).toEqual(["create", "load", "#flush", "watch"]);
    expect(own[1]?.policy).toBe(retryPolicyOf(Derived.prototype.load));
  });

  it("is empty for anything without retried methods", () => {
    for (const value of [class {}, {}, null, undefined, 42, () => {}]) {
      expect(retriedMethods(value)).toEqual([]);
    }
  });
});

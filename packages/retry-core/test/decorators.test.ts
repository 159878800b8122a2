import { asyncBackoff, asyncRetry, Backoff, currentAttempt, retryWith } from "@retrykit/retry-core";
import { describe, expect, it } from "vitest";

class Flaky extends Error {}

describe("asyncBackoff as a wrapper", () => {
  it("keeps name, length and this, and retries", async () => {
    let calls = 0;
    async function load(this: { base: number }, a: number, _b?: number) {
      if (++calls < 2) throw new Flaky();
      return this.base + a;
    }
    const retried = asyncBackoff(null, null, 0, Flaky)(load);
    expect(retried.name).toBe("load");
    expect(retried.length).toBe(load.length);
    await expect(retried.call({ base: 10 }, 1)).resolves.toBe(11);
    expect(calls).toBe(2);
  });

  it("throws TypeError when given a non-function", () => {
    expect(() => (asyncBackoff({}) as unknown as (x: unknown) => unknown)(42)).toThrow(TypeError);
  });
});

describe("asyncRetry", () => {
  it("retries any thrown value, maxTries times in total", async () => {
    let calls = 0;
    const fn = asyncRetry(4)(async () => {
      calls++;
      throw "a string";
    });
    await expect(fn()).rejects.toBe("a string");
    expect(calls).toBe(4);
  });

  it("narrows to exceptions when given", async () => {
    let calls = 0;
    const fn = asyncRetry(4, { exceptions: [Flaky] })(async () => {
      calls++;
      throw new TypeError("no");
    });
    await expect(fn()).rejects.toThrow(TypeError);
    expect(calls).toBe(1);
  });
});

describe("TC39 method decorators", () => {
  it("decorates an async method, keeping this and exposing the attempt", async () => {
    class Repo {
      calls = 0;
      attempts: number[] = [];
      @asyncRetry(3)
      async load(id: string): Promise<string> {
        this.attempts.push(currentAttempt()!.attempt);
        if (++this.calls < 3) throw new Flaky();
        return `${id}:${this.calls}`;
      }
    }
    const repo = new Repo();
    await expect(repo.load("a")).resolves.toBe("a:3");
    expect(repo.attempts).toEqual([1, 2, 3]);
    expect(Repo.prototype.load.name).toBe("load");
  });

  it("retryWith picks the Backoff per instance at call time", async () => {
    class Client {
      calls = 0;
      constructor(public retries: Backoff | null) {}
      @retryWith((self: Client) => self.retries)
      async ping(): Promise<number> {
        if (++this.calls < 3) throw new Flaky();
        return this.calls;
      }
    }
    const retrying = new Client(new Backoff({ maxTries: 5, exceptions: [Flaky] }));
    await expect(retrying.ping()).resolves.toBe(3);
    const once = new Client(null);
    await expect(once.ping()).rejects.toThrow(Flaky);
    expect(once.calls).toBe(1);
    once.retries = new Backoff({ maxTries: 5, exceptions: [Flaky] });
    await expect(once.ping()).resolves.toBe(3);
  });
});

import { Backoff } from "@retrykit/retry-core";
import { afterAll, expect, it } from "vitest";
import { OtelFixture } from "./otel-fixture.js";

const otel = new OtelFixture();
afterAll(() => otel.shutdown());

it("a provider registered after calls were made is found (within 64 calls)", async () => {
  const backoff = new Backoff();
  for (let i = 0; i < 100; i++) await backoff.execute(async () => i);
  expect(otel.finished()).toEqual([]);
  otel.register();
  for (let i = 0; i < 64; i++) await backoff.execute(async () => i);
  expect(otel.finished().length).toBeGreaterThan(0);
  otel.reset();
  // Once found, every call is seen.
  for (let i = 0; i < 10; i++) await backoff.execute(async () => i);
  expect(otel.finished()).toHaveLength(10);
});

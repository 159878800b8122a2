import { parseHttpDate, parseRetryAfter, parseRetryAfterMs } from "@retrykit/retry-core/fetch";
import { describe, expect, it } from "vitest";

const NOW = Date.UTC(2015, 9, 21, 7, 28, 0); // Wed, 21 Oct 2015 07:28:00 GMT

describe("parseHttpDate", () => {
  it("reads the three forms of RFC 9110", () => {
    const expected = Date.UTC(1994, 10, 6, 8, 49, 37);
    expect(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT")).toBe(expected);
    expect(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT", NOW)).toBe(expected);
    expect(parseHttpDate("Sun Nov  6 08:49:37 1994")).toBe(expected);
  });

  it("places two-digit years within 50 years of now", () => {
    expect(parseHttpDate("Friday, 01-Jan-60 00:00:00 GMT", NOW)).toBe(Date.UTC(2060, 0, 1));
    expect(parseHttpDate("Friday, 01-Jan-70 00:00:00 GMT", NOW)).toBe(Date.UTC(1970, 0, 1));
  });

  it.each([
    "",
    "yesterday",
    "2015-10-21T07:28:00Z",
    "Wed, 21 Oct 2015 07:28:00 PST",
    "Wed, 31 Feb 2015 07:28:00 GMT",
    "Wed, 21 Oct 2015 25:28:00 GMT",
    "Wed, 21 Foo 2015 07:28:00 GMT",
  ])("rejects %j", (text) => {
    expect(parseHttpDate(text, NOW)).toBeUndefined();
  });
});

describe("parseRetryAfter", () => {
  it("reads delta-seconds", () => {
    expect(parseRetryAfter("0", NOW)).toBe(0);
    expect(parseRetryAfter("3", NOW)).toBe(3000);
    expect(parseRetryAfter(" 120 ", NOW)).toBe(120_000);
  });

  it("reads an HTTP-date as the time left until it", () => {
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:30 GMT", NOW)).toBe(30_000);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", NOW)).toBe(0);
  });

  it("clamps huge values to the largest timer delay", () => {
    expect(parseRetryAfter("99999999999", NOW)).toBe(2 ** 31 - 1);
  });

  it.each([null, undefined, "", "-5", "1.5", "soon", "Tue, 20 Oct 2015 07:28:00 GMT"])(
    "ignores %j (negative, fractional, unparseable or past)",
    (value) => {
      expect(parseRetryAfter(value, NOW)).toBeUndefined();
    },
  );
});

describe("parseRetryAfterMs", () => {
  it("reads whole and fractional milliseconds, rounding up", () => {
    expect(parseRetryAfterMs("250")).toBe(250);
    expect(parseRetryAfterMs("0.2")).toBe(1);
  });

  it.each([null, "", "-1", "abc", "1e3"])("ignores %j", (value) => {
    expect(parseRetryAfterMs(value)).toBeUndefined();
  });
});

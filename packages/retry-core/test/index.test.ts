import * as core from "@retrykit/retry-core";
import { expect, test } from "vitest";

test("the package resolves through the source condition", () => {
  expect(typeof core).toBe("object");
});

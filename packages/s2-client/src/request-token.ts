import { randomUUID } from "node:crypto";

/** A fresh idempotency key for one logical create call: a UUIDv4 as 32 hex characters. @internal */
export function newRequestToken(): string {
  return randomUUID().replaceAll("-", "");
}

import { randomUUID } from "node:crypto";
import type { Metadata } from "@grpc/grpc-js";

/** A fresh idempotency key for one logical create call: a UUIDv4 as 32 hex characters. @internal */
export function newRequestToken(): string {
  return randomUUID().replaceAll("-", "");
}

/** A copy of `metadata` carrying the `s2-request-token` header. @internal */
export function withRequestToken(metadata: Metadata, token: string): Metadata {
  const copy = metadata.clone();
  copy.set("s2-request-token", token);
  return copy;
}

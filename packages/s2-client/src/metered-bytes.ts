import type { Header } from "./records.js";

/** Anything with a body and optional headers: append records and sequenced records alike. */
export interface Meterable {
  readonly body: Uint8Array;
  readonly headers?: readonly Header[];
}

/**
 * S2's size of a record: `8 + 2 × headers + Σ(name + value) + body`, in bytes. Limits on appends
 * and reads are expressed in this unit. Given an array, the sum over its records.
 *
 * @example
 * ```ts
 * meteredBytes(AppendRecord.make("hi")); // 10
 * ```
 */
export function meteredBytes(records: Meterable | Iterable<Meterable>): number {
  if (isMeterable(records)) return recordBytes(records);
  let total = 0;
  for (const record of records) total += recordBytes(record);
  return total;
}

function isMeterable(value: Meterable | Iterable<Meterable>): value is Meterable {
  return (value as Meterable).body instanceof Uint8Array;
}

function recordBytes(record: Meterable): number {
  let total = 8 + record.body.length;
  const headers = record.headers;
  if (headers !== undefined) {
    for (const [name, value] of headers) total += 2 + name.length + value.length;
  }
  return total;
}

import { asyncIteratorOf } from "./async-iterator-of.js";
import { meteredBytes } from "./metered-bytes.js";
import type { AppendInput, AppendRecord, U64 } from "./records.js";
import {
  MAX_BATCH_BYTES,
  MAX_BATCH_RECORDS,
  show,
  toU64,
  validateFencingToken,
  validateRecord,
} from "./validate.js";

/** The timer functions the batcher needs; tests pass a manual clock. */
export interface LingerClock {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link appendInputs}. */
export interface AppendInputsOptions {
  /** Most records per batch, 1 to 1000. @default 1000 */
  readonly maxRecords?: number;
  /** Most metered bytes per batch, 8 to 1 MiB. @default 1048576 */
  readonly maxBytes?: number;
  /**
   * How long (ms) a batch may wait for more records after its first record arrived; `null` waits
   * until the batch is full or the records end. @default 5
   */
  readonly lingerMs?: number | null;
  /** Sequence number expected for the first batch; each later batch expects the previous one's end. */
  readonly matchSeqNum?: U64;
  /** Fencing token set on every batch. */
  readonly fencingToken?: string;
  /** Timers used for the linger time. @default the global timers */
  readonly clock?: LingerClock;
}

const globalTimers: LingerClock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Groups records into append inputs within S2's limits: a batch is sent when the next record would
 * not fit (count or metered bytes), when `lingerMs` has passed since its first record, or when the
 * records end. `matchSeqNum` advances by each batch's size, so a single writer appends every record
 * exactly once or gets a `SeqNumMismatchError`.
 *
 * @example
 * ```ts
 * for await (const ack of stream.appendSession(appendInputs(records, { matchSeqNum: 0 }))) {
 *   console.log(ack.endSeqNum);
 * }
 * ```
 */
export function appendInputs(
  records: AsyncIterable<AppendRecord> | Iterable<AppendRecord>,
  options: AppendInputsOptions = {},
): AsyncGenerator<AppendInput, void, undefined> {
  const maxRecords = options.maxRecords ?? MAX_BATCH_RECORDS;
  if (!Number.isInteger(maxRecords) || maxRecords < 1 || maxRecords > MAX_BATCH_RECORDS) {
    throw new RangeError(
      `maxRecords must be an integer from 1 to ${MAX_BATCH_RECORDS}, got ${show(maxRecords)}`,
    );
  }
  const maxBytes = options.maxBytes ?? MAX_BATCH_BYTES;
  if (!Number.isInteger(maxBytes) || maxBytes < 8 || maxBytes > MAX_BATCH_BYTES) {
    throw new RangeError(
      `maxBytes must be an integer from 8 to ${MAX_BATCH_BYTES}, got ${show(maxBytes)}`,
    );
  }
  const lingerMs = options.lingerMs === undefined ? 5 : options.lingerMs;
  if (
    lingerMs !== null &&
    (typeof lingerMs !== "number" || !Number.isFinite(lingerMs) || lingerMs < 0)
  ) {
    throw new RangeError(`lingerMs must be a non-negative number or null, got ${show(lingerMs)}`);
  }
  const matchSeqNum =
    options.matchSeqNum === undefined ? undefined : toU64(options.matchSeqNum, "matchSeqNum");
  if (options.fencingToken !== undefined) validateFencingToken(options.fencingToken);
  if (
    records === null ||
    typeof records !== "object" ||
    !(Symbol.asyncIterator in records || Symbol.iterator in records)
  ) {
    throw new TypeError(
      `records must be an iterable or async iterable of records, got ${show(records)}`,
    );
  }
  return batches(records, {
    maxRecords,
    maxBytes,
    lingerMs,
    matchSeqNum,
    fencingToken: options.fencingToken,
    clock: options.clock ?? globalTimers,
  });
}

interface Settings {
  maxRecords: number;
  maxBytes: number;
  lingerMs: number | null;
  matchSeqNum: bigint | undefined;
  fencingToken: string | undefined;
  clock: LingerClock;
}

const LINGER_EXPIRED = Symbol("linger expired");

async function* batches(
  source: AsyncIterable<AppendRecord> | Iterable<AppendRecord>,
  settings: Settings,
): AsyncGenerator<AppendInput, void, undefined> {
  const iterator = asyncIteratorOf(source);
  let nextSeqNum = settings.matchSeqNum;
  let batch: AppendRecord[] = [];
  let batchBytes = 0;
  // The pull that is still running when a linger timer fires is kept for the next batch.
  let pending: Promise<IteratorResult<AppendRecord>> | undefined;
  let lingerTimer: unknown;
  let lingerExpired: Promise<typeof LINGER_EXPIRED> | undefined;
  let finished = false;

  const cut = (): AppendInput => {
    const input: { records: AppendRecord[]; matchSeqNum?: bigint; fencingToken?: string } = {
      records: batch,
    };
    if (nextSeqNum !== undefined) {
      input.matchSeqNum = nextSeqNum;
      nextSeqNum += BigInt(batch.length);
    }
    if (settings.fencingToken !== undefined) input.fencingToken = settings.fencingToken;
    batch = [];
    batchBytes = 0;
    if (lingerTimer !== undefined) settings.clock.clearTimeout(lingerTimer);
    lingerTimer = undefined;
    lingerExpired = undefined;
    return input;
  };

  try {
    while (true) {
      pending ??= iterator.next();
      const step =
        lingerExpired === undefined ? await pending : await Promise.race([pending, lingerExpired]);
      if (step === LINGER_EXPIRED) {
        yield cut();
        continue;
      }
      pending = undefined;
      if (step.done) break;
      const record = step.value;
      validateRecord(record);
      const size = meteredBytes(record);
      if (size > settings.maxBytes) {
        throw new RangeError(
          `a record of ${size} metered bytes does not fit in maxBytes (${settings.maxBytes})`,
        );
      }
      if (
        batch.length > 0 &&
        (batch.length >= settings.maxRecords || batchBytes + size > settings.maxBytes)
      ) {
        yield cut();
      }
      batch.push(record);
      batchBytes += size;
      if (batch.length >= settings.maxRecords || batchBytes >= settings.maxBytes) {
        yield cut();
      } else if (batch.length === 1 && settings.lingerMs !== null) {
        const ms = settings.lingerMs;
        lingerExpired = new Promise((resolve) => {
          lingerTimer = settings.clock.setTimeout(() => resolve(LINGER_EXPIRED), ms);
        });
      }
    }
    finished = true;
    if (batch.length > 0) yield cut();
  } finally {
    if (lingerTimer !== undefined) settings.clock.clearTimeout(lingerTimer);
    if (!finished) {
      // Stop the source; a pull still in flight settles on its own.
      const closing = pending ? pending.then(() => iterator.return?.()) : iterator.return?.();
      Promise.resolve(closing).catch(() => {});
    }
  }
}

import { meteredBytes } from "../../metered-bytes.js";
import {
  bodyText,
  headersText,
  isCommandRecord,
  type ReadStart,
  type SequencedRecord,
  Tail,
} from "../../records.js";
import type { Stream } from "../../stream.js";
import { MAX_BATCH_BYTES, MAX_BATCH_RECORDS } from "../../validate.js";
import type { Command, OptionValues } from "../command.js";
import type { CliIo } from "../io.js";
import { UsageError } from "../usage-error.js";
import { choiceOption, integerOption, toJson } from "../values.js";

/** How many records and metered bytes may still be printed. */
class Budget {
  constructor(
    public records: bigint | undefined,
    public bytes: bigint | undefined,
  ) {}

  get exhausted(): boolean {
    return this.records === 0n || this.bytes === 0n;
  }

  /** Takes `record` if it fits, and says whether it did. */
  take(record: SequencedRecord): boolean {
    const size = BigInt(meteredBytes(record));
    if (this.records === 0n || (this.bytes !== undefined && size > this.bytes)) {
      this.records = 0n; // a record that does not fit ends the read, as S2's byte limit does
      return false;
    }
    if (this.records !== undefined) this.records--;
    if (this.bytes !== undefined) this.bytes -= size;
    return true;
  }
}

function startFrom(options: OptionValues): ReadStart {
  const seqNum = integerOption(options, "seq-num");
  const timestamp = integerOption(options, "timestamp");
  const tailOffset = integerOption(options, "tail-offset");
  const given = [seqNum, timestamp, tailOffset].filter((value) => value !== undefined).length;
  if (given > 1) {
    throw new UsageError("give at most one of --seq-num, --timestamp and --tail-offset");
  }
  if (timestamp !== undefined) return { timestamp };
  if (tailOffset !== undefined) return { tailOffset };
  return { seqNum: seqNum ?? 0n };
}

type Print = (record: SequencedRecord) => Promise<void>;

function printer(io: CliIo, format: "text" | "json", skipCommands: boolean): Print {
  return async (record) => {
    if (skipCommands && isCommandRecord(record)) return;
    if (format === "json") {
      const headers = headersText(record);
      await io.out(
        `${toJson({ seqNum: record.seqNum, timestamp: record.timestamp, ...(headers.length > 0 ? { headers } : {}), body: bodyText(record) })}\n`,
      );
    } else {
      await io.out(`${bodyText(record)}\n`);
    }
  };
}

/** Prints what there is from `start` up to the tail, with unary reads of at most 1000 records / 1 MiB. */
async function readToTail(
  stream: Stream,
  start: ReadStart,
  clamp: boolean,
  budget: Budget,
  print: Print,
  signal: AbortSignal,
): Promise<void> {
  let position = start;
  while (!budget.exhausted) {
    const count = budget.records ?? BigInt(MAX_BATCH_RECORDS);
    const bytes = budget.bytes ?? BigInt(MAX_BATCH_BYTES);
    const batch = await stream.read(position, {
      limit: {
        count: count < MAX_BATCH_RECORDS ? count : MAX_BATCH_RECORDS,
        bytes: bytes < MAX_BATCH_BYTES ? bytes : MAX_BATCH_BYTES,
      },
      clamp,
      signal,
    });
    if (batch instanceof Tail) return;
    const last = batch[batch.length - 1];
    // An empty batch means the next record alone exceeds the byte limit.
    if (last === undefined) return;
    for (const record of batch) {
      if (!budget.take(record)) return;
      await print(record);
    }
    position = { seqNum: last.seqNum + 1n };
  }
}

/** Prints records as they arrive, over a read session that reconnects after failures. */
async function follow(
  stream: Stream,
  start: ReadStart,
  clamp: boolean,
  budget: Budget,
  print: Print,
  io: CliIo,
): Promise<void> {
  if (budget.exhausted) return;
  // The limits are counted here rather than sent: a session with a limit stops at the tail.
  for await (const batch of stream.readSession(start, { clamp, signal: io.signal })) {
    if (batch instanceof Tail) {
      io.err(`the start is beyond the tail (next seq num ${batch.nextSeqNum}); nothing to read\n`);
      return;
    }
    for (const record of batch) {
      if (!budget.take(record)) return;
      await print(record);
    }
    if (budget.exhausted) return;
  }
}

/** `s2 read`: records of a stream to standard output, one per line. */
export const readCommand: Command = {
  path: ["read"],
  summary: "Print records of a stream, one per line",
  description:
    "Reads from a position (default: --seq-num 0) up to the tail, or with --follow keeps printing\nnew records as they are appended until --count/--bytes is reached or Ctrl-C. Bodies are printed\nas UTF-8 text, one record per line (or as JSON objects with --format json).",
  arguments: ["basin", "stream"],
  options: {
    "seq-num": { type: "string", valueName: "n", description: "Start at sequence number <n>" },
    timestamp: {
      type: "string",
      valueName: "ms",
      description: "Start at the first record with a timestamp of at least <ms>",
    },
    "tail-offset": {
      type: "string",
      valueName: "n",
      description: "Start <n> records before the tail",
    },
    count: { type: "string", valueName: "n", description: "Print at most <n> records" },
    bytes: {
      type: "string",
      valueName: "n",
      description: "Print at most <n> metered bytes of records",
    },
    follow: {
      type: "boolean",
      short: "f",
      description: "Keep reading new records as they are appended",
    },
    clamp: {
      type: "boolean",
      description: "Start at the tail when the start position is beyond it",
    },
    format: { type: "string", valueName: "fmt", description: "text (default) or json" },
    "ignore-command-records": {
      type: "boolean",
      description: "Leave out command records (fence, trim)",
    },
  },
  examples: [
    "s2 read my-basin-name events --seq-num 100 --count 10",
    "s2 read my-basin-name events --tail-offset 5 --follow",
  ],
  async run({ args, options, io, client }) {
    const start = startFrom(options);
    const budget = new Budget(
      integerOption(options, "count", { min: 1n }),
      integerOption(options, "bytes", { min: 1n }),
    );
    const format = choiceOption(options, "format", ["text", "json"]) ?? "text";
    const print = printer(io, format, options["ignore-command-records"] === true);
    const clamp = options.clamp === true;
    const stream = client().basin(args[0]!).stream(args[1]!);
    if (options.follow === true) await follow(stream, start, clamp, budget, print, io);
    else await readToTail(stream, start, clamp, budget, print, io.signal);
    return 0;
  },
};

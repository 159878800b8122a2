import { appendInputs } from "../../batcher.js";
import { AppendRecord } from "../../records.js";
import type { Command } from "../command.js";
import { lines } from "../lines.js";
import { integerOption, numberOption, stringOption } from "../values.js";

async function* records(input: AsyncIterable<string>): AsyncGenerator<AppendRecord> {
  for await (const line of input) yield AppendRecord.make(line);
}

/** `s2 append`: each line of standard input becomes a record; batches go over one append session. */
export const appendCommand: Command = {
  path: ["append"],
  summary: "Append the lines of standard input as records",
  description:
    "Each line (without its newline) becomes one record. Lines are grouped into batches of up to\n1000 records / 1 MiB and sent over one append session, which retries and resends unacknowledged\nbatches after a failure. With --match-seq-num, each batch lands only at its expected position,\nso a retry can never write a batch twice.",
  arguments: ["basin", "stream"],
  options: {
    "match-seq-num": {
      type: "string",
      valueName: "n",
      description: "Sequence number the first record must get (later batches follow on)",
    },
    "fencing-token": {
      type: "string",
      valueName: "token",
      description: "Fencing token every batch must match",
    },
    linger: {
      type: "string",
      valueName: "ms",
      description: "How long a batch waits for more lines before it is sent (default: 5)",
    },
  },
  examples: [
    "printf 'one\\ntwo\\n' | s2 append my-basin-name events",
    "s2 append my-basin-name events --match-seq-num 0 < lines.txt",
  ],
  async run({ args, options, io, client }) {
    const matchSeqNum = integerOption(options, "match-seq-num");
    const fencingToken = stringOption(options, "fencing-token");
    const lingerMs = numberOption(options, "linger", { max: 60_000 });
    const stream = client().basin(args[0]!).stream(args[1]!);
    const inputs = appendInputs(records(lines(io.stdin)), {
      ...(matchSeqNum === undefined ? {} : { matchSeqNum }),
      ...(fencingToken === undefined ? {} : { fencingToken }),
      ...(lingerMs === undefined ? {} : { lingerMs }),
    });
    let count = 0n;
    let batches = 0;
    let first: bigint | undefined;
    let end: bigint | undefined;
    let tail: bigint | undefined;
    for await (const ack of stream.appendSession(inputs, { signal: io.signal })) {
      batches++;
      count += ack.endSeqNum - ack.startSeqNum;
      first ??= ack.startSeqNum;
      end = ack.endSeqNum;
      tail = ack.nextSeqNum;
    }
    if (first === undefined || end === undefined) {
      await io.out("appended 0 records\n");
    } else {
      await io.out(
        `appended ${count} record${count === 1n ? "" : "s"} in ${batches} batch${batches === 1 ? "" : "es"}: seq nums ${first}..${end - 1n}, next seq num ${tail}\n`,
      );
    }
    return 0;
  },
};

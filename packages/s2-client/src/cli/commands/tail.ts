import type { Command } from "../command.js";
import { toJson } from "../values.js";

/** `s2 tail`: the next sequence number and the last timestamp of a stream. */
export const tailCommand: Command = {
  path: ["tail"],
  summary: "Print a stream's tail: next sequence number and last timestamp",
  arguments: ["basin", "stream"],
  options: { json: { type: "boolean", description: "Print a JSON object" } },
  async run({ args, options, io, client }) {
    const tail = await client().basin(args[0]!).stream(args[1]!).checkTail({ signal: io.signal });
    if (options.json === true) {
      await io.out(
        `${toJson({ nextSeqNum: tail.nextSeqNum, lastTimestamp: tail.lastTimestamp })}\n`,
      );
    } else {
      await io.out(`next seq num\t${tail.nextSeqNum}\nlast timestamp\t${tail.lastTimestamp}\n`);
    }
    return 0;
  },
};

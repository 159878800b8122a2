/**
 * An exactly-once producer: one writer, every batch conditional on `matchSeqNum` (the batcher
 * advances it batch by batch). The emulator applies one batch but loses its acknowledgement; the
 * session retries, the server refuses the repeated batch with `SeqNumMismatchError` instead of
 * writing it twice, and the producer continues from the tail that the error reports.
 *
 * Run: pnpm --filter @retrykit/examples run exactly-once-producer
 */
import {
  AppendRecord,
  appendInputs,
  bodyText,
  S2,
  SeqNumMismatchError,
  Tail,
} from "@retrykit/s2-client";
import { startEmulator } from "@retrykit/s2-emulator";

const TOTAL = 5_000;
const emulator = await startEmulator({
  // The third batch is appended, but its acknowledgement never arrives.
  faults: [{ rpc: "AppendSession", kind: "drop-ack", after: 2, times: 1 }],
});
const s2 = new S2({
  accessToken: "local-token",
  endpoints: { account: emulator.restEndpoint, basin: emulator.restEndpoint },
});

function* events(from: number): Generator<AppendRecord> {
  for (let i = from; i < TOTAL; i++) yield AppendRecord.make(`event ${i}`);
}

try {
  await s2.createBasin("exactly-once-basin");
  const stream = s2.basin("exactly-once-basin").stream("events");
  await s2.basin("exactly-once-basin").createStream("events");

  // Record i belongs at seq num i: that is what makes the writes checkable and resumable.
  let next = 0;
  while (next < TOTAL) {
    const inputs = appendInputs(events(next), { matchSeqNum: next, maxRecords: 500 });
    try {
      for await (const ack of stream.appendSession(inputs)) next = Number(ack.endSeqNum);
    } catch (error) {
      if (!(error instanceof SeqNumMismatchError)) throw error;
      console.log(
        `lost acknowledgement: the retried batch expected seq num ${next}, the stream is at ${error.expectedSeqNum}; continuing from there`,
      );
      next = Number(error.expectedSeqNum);
    }
  }

  // Check: every record exactly once, in its place.
  let expected = 0;
  let position = 0n;
  for (;;) {
    const batch = await stream.read({ seqNum: position });
    if (batch instanceof Tail) break;
    for (const record of batch) {
      if (bodyText(record) !== `event ${expected}`)
        throw new Error(`unexpected record at ${record.seqNum}`);
      expected++;
    }
    position = batch[batch.length - 1]!.seqNum + 1n;
  }
  console.log(`appended and verified ${expected} records, each exactly once`);
  if (expected !== TOTAL) process.exitCode = 1;
} finally {
  await s2.close();
  await emulator.close();
}

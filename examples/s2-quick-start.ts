/**
 * S2 in a few calls: create a basin and a stream, append records, read them back, check the tail.
 * The server is an S2 emulator started in this process; against S2 itself, drop the emulator and
 * build the client with `{ accessToken: process.env.S2_ACCESS_TOKEN! }` (or `Endpoints.fromEnv()`).
 *
 * Run: pnpm --filter @retrykit/examples run s2-quick-start
 */
import { AppendRecord, bodyText, S2, Tail } from "@retrykit/s2-client";
import { startEmulator } from "@retrykit/s2-emulator";

const emulator = await startEmulator();
const s2 = new S2({
  accessToken: "local-token",
  endpoints: { account: emulator.restEndpoint, basin: emulator.restEndpoint },
});

try {
  await s2.createBasin("quick-start-basin");
  const basin = s2.basin("quick-start-basin");
  await basin.createStream("greetings");
  const stream = basin.stream("greetings");
  console.log(`created ${basin.name}/${stream.name} on ${emulator.restEndpoint}`);

  const ack = await stream.append({
    records: [
      AppendRecord.make("hello"),
      AppendRecord.make("bonjour", { headers: [["lang", "fr"]] }),
      AppendRecord.make("hallo", { headers: [["lang", "de"]] }),
    ],
  });
  console.log(`appended seq nums ${ack.startSeqNum}..${ack.endSeqNum - 1n}`);

  const batch = await stream.read({ seqNum: 0 }, { limit: { count: 10 } });
  if (batch instanceof Tail) throw new Error("expected records");
  for (const record of batch) console.log(`  #${record.seqNum}: ${bodyText(record)}`);

  const tail = await stream.checkTail();
  console.log(`tail: next seq num ${tail.nextSeqNum}`);
  if (batch.length !== 3 || tail.nextSeqNum !== 3n) process.exitCode = 1;
} finally {
  await s2.close();
  await emulator.close();
}

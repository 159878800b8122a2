/**
 * A tailing consumer: a read session that starts a few records before the tail and then follows
 * new records as they are appended. The emulator cuts the session twice; the session reconnects
 * after the last record it delivered, so the consumer sees every record once, in order.
 *
 * Run: pnpm --filter @retrykit/examples run tailing-consumer
 */
import { AppendRecord, bodyText, S2, Tail } from "@retrykit/s2-client";
import { startEmulator } from "@retrykit/s2-emulator";

const emulator = await startEmulator({
  faults: [{ rpc: "ReadSession", kind: "break", afterMessages: 3, times: 2 }],
});
const s2 = new S2({
  accessToken: "local-token",
  endpoints: { account: emulator.restEndpoint, basin: emulator.restEndpoint },
});

try {
  await s2.createBasin("tailing-basin");
  await s2.basin("tailing-basin").createStream("ticks");
  const stream = s2.basin("tailing-basin").stream("ticks");
  await stream.append({ records: [0, 1, 2, 3, 4].map((i) => AppendRecord.make(`tick ${i}`)) });

  // A producer keeps appending one record every 20 ms, up to tick 29, once the consumer has
  // started (so that "two records before the tail" is tick 3 whatever the connection takes).
  let started: () => void = () => {};
  const consumerStarted = new Promise<void>((resolve) => (started = resolve));
  const producer = (async () => {
    await consumerStarted;
    for (let i = 5; i < 30; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      await stream.append({ records: [AppendRecord.make(`tick ${i}`)] });
    }
  })();

  // Start two records before the tail (tick 3), then follow.
  const seen: string[] = [];
  for await (const batch of stream.readSession({ tailOffset: 2 })) {
    if (batch instanceof Tail) break;
    started();
    for (const record of batch) {
      seen.push(bodyText(record));
      console.log(`  #${record.seqNum} ${bodyText(record)}`);
    }
    if (seen.length >= 27) break; // tick 3 .. tick 29; leaving the loop closes the session
  }
  await producer;
  const inOrder = seen.every((text, i) => text === `tick ${i + 3}`);
  console.log(
    `followed ${seen.length} records in order: ${inOrder}; the session was cut ${emulator.faults.injectedByKind.break} times and resumed`,
  );
  if (!inOrder || seen.length !== 27) process.exitCode = 1;
} finally {
  await s2.close();
  await emulator.close();
}

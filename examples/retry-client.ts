/**
 * aiohttp-retry's `RetryClient` over `fetch`: a local HTTP server answers 503 twice (the second
 * time with `Retry-After`), then 200. The client retries, honours the hint, and its tracing hook
 * sees each attempt. No internet needed.
 *
 * Run: pnpm --filter @retrykit/examples run retry-client
 */
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { ExponentialRetry, RetryClient } from "@retrykit/retry-core/fetch";

let hits = 0;
const server = createServer((_request, response) => {
  hits++;
  if (hits === 1) response.writeHead(503).end("overloaded");
  else if (hits === 2) response.writeHead(503, { "retry-after-ms": "120" }).end("overloaded");
  else response.writeHead(200, { "content-type": "text/plain" }).end("fresh data");
});
server.listen(0, "127.0.0.1");
await once(server, "listening");
const { port } = server.address() as AddressInfo;

const client = new RetryClient({
  baseUrl: `http://127.0.0.1:${port}`,
  retryOptions: new ExponentialRetry({ attempts: 4, startTimeout: 20 }),
  attemptTimeout: 1_000,
  onRequestEnd: (event) => {
    const outcome = event.response
      ? `HTTP ${event.response.status}`
      : `error ${String(event.error)}`;
    console.log(
      `  attempt ${event.attempt}/${event.attempts}: ${outcome}${event.willRetry ? `, retrying in ${event.delay} ms` : ""}`,
    );
  },
});

try {
  console.log("GET /data");
  const response = await client.get("/data");
  console.log(`→ ${response.status} ${await response.text()} after ${hits} requests`);
  if (response.status !== 200) process.exitCode = 1;
} finally {
  await client.close();
  server.close();
}

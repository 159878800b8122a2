import type { ReadOutput, SequencedRecord } from "@retrykit/s2-proto";
import { S2Error } from "../../errors.js";
import type { ReadEvent, ReadStream } from "../transport.js";
import { connectionError, restError } from "./rest-errors.js";
import { tailOf } from "./rest-json.js";

const fromBase64 = (value: unknown): Buffer =>
  typeof value === "string" ? Buffer.from(value, "base64") : Buffer.alloc(0);

const u64 = (value: unknown): bigint =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : 0n;

// One SSE `batch` event's records (sent with `s2-format: base64`, so bytes survive as they are).
function recordsOf(data: string): SequencedRecord[] {
  const json = JSON.parse(data) as { records?: unknown[] };
  return (json.records ?? []).map((item) => {
    const record = item as Record<string, unknown>;
    const headers = Array.isArray(record.headers) ? (record.headers as unknown[][]) : [];
    return {
      seqNum: u64(record.seq_num),
      timestamp: u64(record.timestamp),
      headers: headers.map(([name, value]) => ({
        name: fromBase64(name),
        value: fromBase64(value),
      })),
      body: fromBase64(record.body),
    };
  });
}

/**
 * A read session as server-sent events over `fetch` (HTTP/1.1 is enough): `batch` events carry
 * records, `ping` events are heartbeats, an `error` event ends the session with the error it
 * names, and `[DONE]` ends it cleanly.
 *
 * @internal
 */
export class SseReadStream implements ReadStream {
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #controller = new AbortController();

  constructor(url: string, headers: Record<string, string>) {
    this.#url = url;
    this.#headers = { ...headers, accept: "text/event-stream", "s2-format": "base64" };
  }

  cancel(): void {
    this.#controller.abort();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<ReadEvent> {
    const signal = this.#controller.signal;
    let response: Response;
    try {
      response = await fetch(this.#url, { headers: this.#headers, signal });
    } catch (error) {
      if (signal.aborted) return;
      throw connectionError(error);
    }
    if (response.status === 416) {
      const tail = tailOf(await response.json().catch(() => undefined));
      yield { output: { $case: "nextSeqNum", nextSeqNum: tail.seqNum } };
      return;
    }
    if (!response.ok || response.body === null) {
      const text = await response.text().catch(() => "");
      throw restError(response.status, text, response.headers);
    }
    const decoder = new TextDecoder();
    let buffer = "";
    let event = "";
    let data: string[] = [];
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let newline = buffer.search(/\r\n|\r|\n/);
        while (newline >= 0) {
          const line = buffer.slice(0, newline);
          buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
          newline = buffer.search(/\r\n|\r|\n/);
          if (line === "") {
            const text = data.join("\n");
            const kind = event;
            event = "";
            data = [];
            if (kind === "batch") {
              const records = recordsOf(text);
              const output: ReadOutput["output"] =
                records.length === 0 ? undefined : { $case: "batch", batch: { records } };
              yield { output };
            } else if (kind === "ping") {
              yield { output: undefined };
            } else if (kind === "error") {
              throw sseError(text);
            } else if (text === "[DONE]") {
              return;
            }
            continue;
          }
          if (line.startsWith(":")) continue;
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "event") event = value;
          else if (field === "data") data.push(value);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      if (S2Error.is(error)) throw error;
      throw connectionError(error);
    }
    if (signal.aborted) return;
    throw new S2Error("SSE read session closed before it was done", { code: 14 /* UNAVAILABLE */ });
  }
}

// An `error` event names S2's error code but no status: the status is the code's.
const STATUS_OF_CODE: Record<string, number> = {
  rate_limited: 429,
  request_timeout: 408,
  other: 500,
  storage: 500,
  hot_server: 502,
  unavailable: 503,
  server_draining: 503,
  upstream_timeout: 504,
  transaction_conflict: 409,
  stream_not_found: 404,
  basin_not_found: 404,
  permission_denied: 403,
  decryption_failed: 400,
};

function sseError(text: string): S2Error {
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  if (json !== undefined && "tail" in json && !("code" in json)) return restError(416, text);
  const code = typeof json?.code === "string" ? json.code : undefined;
  const status = code === undefined ? 503 : (STATUS_OF_CODE[code] ?? 400);
  return restError(status, text);
}

import { Operation } from "@retrykit/s2-proto";
import type { CallContext } from "../context.js";
import { meteredBytes } from "../limits.js";
import { openStream } from "../services/stream.js";
import { type RestCall, sessionBreakOf } from "./call.js";
import { endStream, type HttpResponse, startStream, writeChunk } from "./http-io.js";
import { type ReadParams, readSession, startOfSession } from "./read-loop.js";
import { batchToJson, positionToJson, type RecordFormat } from "./record-json.js";
import { restError, toRestError } from "./rest-error.js";
import { serverAbort } from "./s2s-session.js";

/**
 * A read session as Server-Sent Events (`Accept: text/event-stream`): `batch` events with the id
 * `last_seq_num,count,bytes` (cumulative, so `Last-Event-ID` resumes), `ping` heartbeats, an
 * `error` event that ends it, and `data: [DONE]` at a normal end.
 */
export async function readSessionSse(
  context: CallContext,
  call: RestCall,
  response: HttpResponse,
  name: string,
  params: ReadParams,
  format: RecordFormat,
): Promise<void> {
  const signal = call.controller.signal;
  const stream = await openStream(context, Operation.OPERATION_READ, name, "read");
  const start = startOfSession(stream, params);
  const breakFault = sessionBreakOf(call);
  startStream(response, { "content-type": "text/event-stream" });
  let count = params.resumed.count;
  let bytes = params.resumed.bytes;
  let sent = 0;
  try {
    if (breakFault?.afterMessages === 0) {
      breakFault.broke();
      throw restError("unavailable", "injected fault: session broken");
    }
    for await (const batch of readSession(context, stream, params, start)) {
      let event: string;
      if (batch.records.length === 0) {
        const data = { timestamp: context.core.account.now(), tail: positionToJson(batch.tail) };
        event = `event: ping\ndata: ${JSON.stringify(data)}\n\n`;
      } else {
        count += batch.records.length;
        for (const record of batch.records) bytes += meteredBytes(record);
        const last = batch.records[batch.records.length - 1]!.seqNum;
        event = `event: batch\nid: ${last},${count},${bytes}\ndata: ${JSON.stringify(batchToJson(batch, format))}\n\n`;
      }
      await writeChunk(response, event, signal);
      sent++;
      if (breakFault !== undefined && sent >= breakFault.afterMessages) {
        breakFault.broke();
        throw restError("unavailable", "injected fault: session broken");
      }
    }
    const aborted = serverAbort(signal);
    if (aborted !== undefined) throw aborted;
    await writeChunk(response, "data: [DONE]\n\n", signal);
    endStream(response);
  } catch (error) {
    if (signal.aborted && serverAbort(signal) === undefined) return;
    const restErr = toRestError(error);
    await writeChunk(
      response,
      `event: error\ndata: ${JSON.stringify(restErr.body)}\n\n`,
      new AbortController().signal,
    );
    endStream(response);
  }
}

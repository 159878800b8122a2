import { status } from "@grpc/grpc-js";
import type { EmulatorCore } from "../context.js";
import { EmulatorError } from "../emulator-error.js";
import { beginCall, closeCall, openCall } from "./call.js";
import type { RestReply } from "./handler.js";
import {
  type HttpRequest,
  type HttpResponse,
  headerOf,
  hostOf,
  mediaType,
  readBody,
  send,
  sendError,
  sendJson,
} from "./http-io.js";
import { parseReadQuery } from "./read-loop.js";
import { recordFormat } from "./record-json.js";
import * as records from "./records.js";
import { restError, toRestError } from "./rest-error.js";
import { route } from "./router.js";
import { appendSession, readSessionS2s } from "./s2s-session.js";
import { readSessionSse } from "./sse.js";

/** Destroys the connection a request came on: the TCP socket, or the whole HTTP/2 connection. */
function resetConnection(request: HttpRequest): void {
  if ("stream" in request && request.stream !== undefined) {
    request.stream.session?.destroy();
  } else {
    request.socket.destroy();
  }
}

function isS2s(request: HttpRequest): boolean {
  return mediaType(headerOf(request.headers, "content-type")) === "s2s/proto";
}

function reply(response: HttpResponse, answer: RestReply): void {
  const headers = { ...answer.headers };
  if (answer.bytes !== undefined) send(response, answer.status, headers, answer.bytes);
  else if (answer.json !== undefined) sendJson(response, answer.status, answer.json, headers);
  else send(response, answer.status, headers);
}

/**
 * Serves one REST v1 request on the model: routes it, counts it and applies its faults under the
 * operation's RPC name (the same names as over gRPC), authenticates, runs it, and answers in S2's
 * wire format. Never throws: every failure becomes S2's error response.
 */
export async function dispatch(
  core: EmulatorCore,
  request: HttpRequest,
  response: HttpResponse,
): Promise<void> {
  const url = new URL(request.url ?? "/", "http://emulator");
  const path = url.pathname;
  const method = request.method ?? "GET";
  if (path === "/health" || path === "/ping") {
    send(response, 200, { "content-type": "text/plain" }, "OK");
    return;
  }
  if (!path.startsWith("/v1/")) {
    send(response, 404, {});
    return;
  }
  let resolved: ReturnType<typeof route>;
  try {
    resolved = route(method, path.slice(4).split("/"));
  } catch (error) {
    sendError(response, toRestError(error));
    return;
  }
  if (resolved === undefined) {
    send(response, 404, {});
    return;
  }
  if (resolved === "method") {
    send(response, 405, {});
    return;
  }
  const s2s = resolved.kind !== "unary" && isS2s(request);
  const sse =
    resolved.kind === "read" &&
    !s2s &&
    mediaType(headerOf(request.headers, "accept")) === "text/event-stream";
  const rpc =
    resolved.kind === "unary"
      ? resolved.rpc
      : resolved.kind === "read"
        ? s2s || sse
          ? "ReadSession"
          : "Read"
        : s2s
          ? "AppendSession"
          : "Append";
  // Unary bodies are read first, so that a fault or an error never leaves half a body unread.
  let body: Buffer = Buffer.alloc(0);
  if (!s2s) {
    try {
      body = await readBody(request);
    } catch (error) {
      sendError(response, toRestError(error));
      return;
    }
  }
  const call = openCall(core, rpc);
  const onClose = () => {
    if (!response.writableFinished) {
      call.controller.abort(new EmulatorError(status.CANCELLED, "cancelled by the client"));
    }
  };
  response.on("close", onClose);
  try {
    const context = await beginCall(core, call, request.headers, hostOf(request), () =>
      resetConnection(request),
    );
    const params = resolved.params;
    const stream = params.stream ?? "";
    if (resolved.kind === "unary") {
      reply(
        response,
        await resolved.handler(context, {
          params,
          query: url.searchParams,
          body,
          headers: request.headers,
        }),
      );
    } else if (resolved.kind === "append") {
      if (s2s) await appendSession({ context, call, request, response, stream });
      else
        reply(
          response,
          await records.append(context, {
            params,
            query: url.searchParams,
            body,
            headers: request.headers,
          }),
        );
    } else if (s2s) {
      await readSessionS2s(
        { context, call, request, response, stream },
        parseReadQuery(url.searchParams),
      );
    } else if (sse) {
      const format = recordFormat(headerOf(request.headers, "s2-format"));
      const params2 = parseReadQuery(url.searchParams, headerOf(request.headers, "last-event-id"));
      await readSessionSse(context, call, response, stream, params2, format);
    } else {
      reply(
        response,
        await records.read(context, {
          params,
          query: url.searchParams,
          body,
          headers: request.headers,
        }),
      );
    }
  } catch (error) {
    if (!response.headersSent) sendError(response, toRestError(error));
    else if (!response.writableEnded) response.destroy();
  } finally {
    response.off("close", onClose);
    closeCall(core, call);
  }
}

/** The answer to a request the server could not even route (a bug): 500 `other`. */
export function internalError(response: HttpResponse, error: unknown): void {
  if (!response.headersSent) {
    sendError(
      response,
      restError(
        "other",
        `internal error: ${error instanceof Error ? error.message : String(error)}`,
      ),
    );
  } else {
    response.destroy();
  }
}

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { type RestError, restError } from "./rest-error.js";

/** A request over HTTP/1.1 or HTTP/2 (the compatibility API makes them alike). */
export type HttpRequest = IncomingMessage | Http2ServerRequest;
/** A response over HTTP/1.1 or HTTP/2. */
export type HttpResponse = ServerResponse | Http2ServerResponse;

/** Largest unary request body read, bytes: a 1 MiB batch in base64 JSON fits with room to spare. */
export const MAX_BODY_BYTES = 8 * 1024 * 1024;

/** One request header as a string (the first, when repeated). */
export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The media type of a `Content-Type` or the first of an `Accept`, lowercased, without parameters. */
export function mediaType(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const first = value.split(",")[0]!.split(";")[0]!.trim().toLowerCase();
  return first === "" ? undefined : first;
}

/** The host the request addressed (`Host`, or HTTP/2's `:authority`). */
export function hostOf(request: HttpRequest): string {
  return headerOf(request.headers, "host") ?? headerOf(request.headers, ":authority") ?? "";
}

/** Reads a whole request body, refusing one larger than {@link MAX_BODY_BYTES}. */
export async function readBody(request: HttpRequest): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      throw restError("invalid", `request body is larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function raw(response: HttpResponse): ServerResponse {
  // Both responses have writeHead/write/end with these shapes; one type keeps calls simple.
  return response as ServerResponse;
}

/** Sends a complete response. */
export function send(
  response: HttpResponse,
  status: number,
  headers: Record<string, string>,
  body?: Uint8Array | string,
): void {
  const out = raw(response);
  if (out.headersSent || out.writableEnded || response.destroyed) return;
  const length = body === undefined ? 0 : Buffer.byteLength(body);
  out.writeHead(status, { ...headers, "content-length": String(length) });
  out.end(body);
}

/** Sends JSON with a status. */
export function sendJson(
  response: HttpResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(response, status, { "content-type": "application/json", ...headers }, JSON.stringify(body));
}

/** Sends an error's status, headers and JSON body. */
export function sendError(response: HttpResponse, error: RestError): void {
  sendJson(response, error.status, error.body, { ...error.headers });
}

/** Starts a streamed response (SSE, s2s): headers go out at once. */
export function startStream(response: HttpResponse, headers: Record<string, string>): void {
  const out = raw(response);
  out.writeHead(200, {
    "cache-control": "no-cache, no-transform",
    "x-accel-buffering": "no",
    ...headers,
  });
  if (typeof out.flushHeaders === "function") out.flushHeaders();
}

/** Writes a chunk of a streamed response; resolves when the transport can take more. */
export function writeChunk(
  response: HttpResponse,
  chunk: Uint8Array | string,
  signal: AbortSignal,
): Promise<void> | undefined {
  const out = raw(response);
  if (out.write(chunk)) return undefined;
  return new Promise<void>((resolve) => {
    const done = () => {
      out.off("drain", done);
      out.off("close", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    out.on("drain", done);
    out.on("close", done);
    signal.addEventListener("abort", done);
  });
}

/** Ends a streamed response. */
export function endStream(response: HttpResponse): void {
  const out = raw(response);
  if (!out.writableEnded && !response.destroyed) out.end();
}

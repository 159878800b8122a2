import * as zlib from "node:zlib";

/**
 * The `s2s/proto` session framing of S2's REST API v1: how append and read sessions carry protobuf
 * messages over one HTTP/2 request and response.
 *
 * ```
 * +----------------+-----------+--------------------------------------------+
 * | length (3 B)   | flags (1) | body (length - 1 bytes)                    |
 * +----------------+-----------+--------------------------------------------+
 * length: big-endian, counts the flag byte and the body, never 0, at most 2 MiB
 * flags:  bit 7 terminal, bits 6-5 compression (00 none, 01 zstd, 10 gzip, 11 invalid),
 *         bit 4 reconnect advised (server to client), bits 3-0 reserved (0)
 * body:   a regular frame carries one protobuf message, possibly compressed;
 *         a terminal frame carries a 2-byte big-endian HTTP status and UTF-8 JSON (never compressed)
 * ```
 *
 * @packageDocumentation
 */

/** The `Content-Type` that selects a session on a records request (and answers one). */
export const S2S_CONTENT_TYPE = "s2s/proto";

/** The largest value of a frame's length field (flag byte plus body): 2 MiB. */
export const S2S_MAX_FRAME_LENGTH = 2 * 1024 * 1024;

/** The largest body of a frame, before and after decompression: 2 MiB minus the flag byte. */
export const S2S_MAX_PAYLOAD_BYTES = S2S_MAX_FRAME_LENGTH - 1;

/** Messages smaller than this are sent uncompressed whatever compression was negotiated. */
export const S2S_COMPRESSION_THRESHOLD_BYTES = 1024;

/** Compression of a frame's body. */
export type S2sCompression = "none" | "zstd" | "gzip";

const TERMINAL_BIT = 0x80;
const COMPRESSION_MASK = 0x60;
const COMPRESSION_SHIFT = 5;
const RECONNECT_BIT = 0x10;
const RESERVED_MASK = 0x0f;
const HEADER_BYTES = 4;

const compressionCodes: Record<S2sCompression, number> = { none: 0, zstd: 1, gzip: 2 };

/** A regular frame: one protobuf message, already decompressed. */
export interface S2sMessageFrame {
  readonly kind: "message";
  /** The protobuf message's bytes (decompressed). */
  readonly payload: Uint8Array;
  /** How the body was compressed on the wire. */
  readonly compression: S2sCompression;
  /** The server advises the client to finish this session and reconnect (bit 4). */
  readonly reconnectAdvised: boolean;
}

/** A terminal frame: the session's last frame in this direction, with an HTTP status and JSON. */
export interface S2sTerminalFrame {
  readonly kind: "terminal";
  /** The HTTP status the equivalent unary call would have answered (e.g. 412, 503). */
  readonly status: number;
  /** The JSON text as sent (an `ErrorInfo` `{code, message}`, or a 412/416 body). */
  readonly body: string;
  /** `body` parsed, or `undefined` when it is not valid JSON. */
  readonly json: unknown;
}

/** One decoded frame. */
export type S2sFrame = S2sMessageFrame | S2sTerminalFrame;

/**
 * A frame that breaks the framing rules (zero or oversized length, reserved bits, unknown or
 * unsupported compression, short terminal frame, undecompressable body). The session cannot
 * continue: the stream of bytes can no longer be trusted to be in step.
 */
export class S2sFrameError extends Error {
  override readonly name = "S2sFrameError";
}

interface ZstdZlib {
  zstdCompressSync?: (data: Uint8Array) => Buffer;
  zstdDecompressSync?: (data: Uint8Array, options?: { maxOutputLength?: number }) => Buffer;
}

const zstd = zlib as unknown as ZstdZlib;

/** Whether this Node.js has zstd in `node:zlib` (Node 22.15 and later; not Node 20). */
export function zstdAvailable(): boolean {
  return (
    typeof zstd.zstdCompressSync === "function" && typeof zstd.zstdDecompressSync === "function"
  );
}

/**
 * The compression a server answers with for a request's `Accept-Encoding`: zstd if offered (and
 * available here), else gzip if offered, else none.
 *
 * @example
 * ```ts
 * negotiateS2sCompression("gzip, deflate"); // "gzip"
 * ```
 */
export function negotiateS2sCompression(acceptEncoding: string | undefined): S2sCompression {
  if (acceptEncoding === undefined) return "none";
  const tokens = acceptEncoding
    .split(",")
    .map((token) => token.split(";")[0]!.trim().toLowerCase());
  if (tokens.includes("zstd") && zstdAvailable()) return "zstd";
  if (tokens.includes("gzip")) return "gzip";
  return "none";
}

/** Options of {@link encodeS2sMessage}. */
export interface S2sEncodeOptions {
  /** Compress the body with this algorithm when it is at least the threshold. Default `"none"`. */
  readonly compression?: S2sCompression;
  /** Set the reconnect-advised flag (server to client only). Default `false`. */
  readonly reconnectAdvised?: boolean;
  /** Bodies smaller than this stay uncompressed. Default {@link S2S_COMPRESSION_THRESHOLD_BYTES}. */
  readonly compressionThresholdBytes?: number;
}

function frame(flags: number, body: Uint8Array): Uint8Array {
  const length = body.length + 1;
  if (length > S2S_MAX_FRAME_LENGTH) {
    throw new S2sFrameError(
      `s2s frame too large: length ${length} exceeds the maximum of ${S2S_MAX_FRAME_LENGTH} bytes`,
    );
  }
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  out[0] = (length >>> 16) & 0xff;
  out[1] = (length >>> 8) & 0xff;
  out[2] = length & 0xff;
  out[3] = flags;
  out.set(body, HEADER_BYTES);
  return out;
}

function compress(payload: Uint8Array, compression: S2sCompression): Uint8Array {
  switch (compression) {
    case "gzip":
      return zlib.gzipSync(payload);
    case "zstd":
      if (!zstdAvailable()) {
        throw new S2sFrameError("s2s compression zstd is not available in this Node.js");
      }
      return zstd.zstdCompressSync!(payload);
    default:
      return payload;
  }
}

/**
 * Frames one protobuf message as a regular s2s frame.
 *
 * @throws S2sFrameError when the (compressed) body is over {@link S2S_MAX_PAYLOAD_BYTES}.
 * @example
 * ```ts
 * const bytes = encodeS2sMessage(ReadBatch.encode({ records: [] }).finish(), { compression: "gzip" });
 * ```
 */
export function encodeS2sMessage(payload: Uint8Array, options: S2sEncodeOptions = {}): Uint8Array {
  const threshold = options.compressionThresholdBytes ?? S2S_COMPRESSION_THRESHOLD_BYTES;
  const compression =
    options.compression !== undefined &&
    options.compression !== "none" &&
    payload.length >= threshold
      ? options.compression
      : "none";
  if (payload.length > S2S_MAX_PAYLOAD_BYTES) {
    throw new S2sFrameError(
      `s2s message too large: ${payload.length} bytes exceeds the maximum of ${S2S_MAX_PAYLOAD_BYTES}`,
    );
  }
  const body = compress(payload, compression);
  const flags =
    (compressionCodes[compression] << COMPRESSION_SHIFT) |
    (options.reconnectAdvised === true ? RECONNECT_BIT : 0);
  return frame(flags, body);
}

/**
 * Frames a terminal frame: the HTTP status and the JSON error body (an object is serialized; a
 * string is sent as is).
 *
 * @example
 * ```ts
 * encodeS2sTerminal(412, { seq_num_mismatch: 6 });
 * ```
 */
export function encodeS2sTerminal(status: number, body: unknown): Uint8Array {
  if (!Number.isInteger(status) || status < 0 || status > 0xffff) {
    throw new RangeError(`s2s terminal status must be an integer in 0..65535, got ${status}`);
  }
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const json = Buffer.from(text, "utf8");
  const out = Buffer.allocUnsafe(2 + json.length);
  out.writeUInt16BE(status, 0);
  out.set(json, 2);
  return frame(TERMINAL_BIT, out);
}

function decompress(body: Uint8Array, compression: S2sCompression): Uint8Array {
  if (compression === "none") return body;
  try {
    if (compression === "gzip") {
      return zlib.gunzipSync(body, { maxOutputLength: S2S_MAX_PAYLOAD_BYTES });
    }
    if (!zstdAvailable()) {
      throw new S2sFrameError("s2s frame compressed with zstd, which this Node.js cannot decode");
    }
    return zstd.zstdDecompressSync!(body, { maxOutputLength: S2S_MAX_PAYLOAD_BYTES });
  } catch (error) {
    if (error instanceof S2sFrameError) throw error;
    throw new S2sFrameError(`s2s frame body does not decompress with ${compression}`, {
      cause: error,
    });
  }
}

/**
 * Decodes one frame's flag byte and body (the bytes after the length field).
 *
 * @throws S2sFrameError when the frame breaks the framing rules.
 */
export function decodeS2sFrameBody(flags: number, body: Uint8Array): S2sFrame {
  if ((flags & RESERVED_MASK) !== 0) {
    throw new S2sFrameError(
      `s2s frame has reserved flag bits set: flags 0x${flags.toString(16).padStart(2, "0")}`,
    );
  }
  const code = (flags & COMPRESSION_MASK) >>> COMPRESSION_SHIFT;
  if (code === 3) throw new S2sFrameError("s2s frame has unknown compression (flag bits 11)");
  const compression: S2sCompression = code === 1 ? "zstd" : code === 2 ? "gzip" : "none";
  if ((flags & TERMINAL_BIT) !== 0) {
    if (compression !== "none")
      throw new S2sFrameError("s2s terminal frame must not be compressed");
    if (body.length < 2) {
      throw new S2sFrameError(`s2s terminal frame too short: ${body.length} body bytes, need 2`);
    }
    const status = (body[0]! << 8) | body[1]!;
    const text = Buffer.from(body.buffer, body.byteOffset + 2, body.length - 2).toString("utf8");
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { kind: "terminal", status, body: text, json };
  }
  return {
    kind: "message",
    payload: decompress(body, compression),
    compression,
    reconnectAdvised: (flags & RECONNECT_BIT) !== 0,
  };
}

/**
 * An incremental decoder: feed it the bytes of a session as they arrive, in chunks of any size,
 * and take the complete frames out. After it throws, the session must end (the stream is no longer
 * in step).
 *
 * @example
 * ```ts
 * const decoder = new S2sFrameDecoder();
 * response.on("data", (chunk) => {
 *   for (const frame of decoder.push(chunk)) handle(frame);
 * });
 * response.on("end", () => decoder.finish());
 * ```
 */
export class S2sFrameDecoder {
  #chunks: Buffer[] = [];
  #buffered = 0;

  /** Bytes received that do not yet make a complete frame. */
  get bufferedBytes(): number {
    return this.#buffered;
  }

  /**
   * Adds bytes and returns the frames they complete, in order.
   *
   * @throws S2sFrameError on a zero or oversized length (as soon as the 3 length bytes are in),
   *   or on a frame that breaks the rules.
   */
  push(chunk: Uint8Array): S2sFrame[] {
    if (chunk.length > 0) {
      this.#chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      this.#buffered += chunk.length;
    }
    const frames: S2sFrame[] = [];
    while (this.#buffered >= 3) {
      const head = this.#peek(3);
      const length = (head[0]! << 16) | (head[1]! << 8) | head[2]!;
      if (length === 0)
        throw new S2sFrameError("s2s frame has length 0 (the flag byte is missing)");
      if (length > S2S_MAX_FRAME_LENGTH) {
        throw new S2sFrameError(
          `s2s frame too large: length ${length} exceeds the maximum of ${S2S_MAX_FRAME_LENGTH} bytes`,
        );
      }
      if (this.#buffered < 3 + length) break;
      const bytes = this.#take(3 + length);
      frames.push(decodeS2sFrameBody(bytes[3]!, bytes.subarray(HEADER_BYTES)));
    }
    return frames;
  }

  /**
   * Declares the end of the bytes.
   *
   * @throws S2sFrameError when a partial frame is left over.
   */
  finish(): void {
    if (this.#buffered > 0) {
      throw new S2sFrameError(
        `s2s stream ended inside a frame (${this.#buffered} bytes of an incomplete frame)`,
      );
    }
  }

  #peek(n: number): Buffer {
    const first = this.#chunks[0]!;
    if (first.length >= n) return first;
    const joined = Buffer.concat(this.#chunks);
    this.#chunks = [joined];
    return joined;
  }

  #take(n: number): Buffer {
    const first = this.#chunks[0]!;
    let out: Buffer;
    if (first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      const joined = Buffer.concat(this.#chunks);
      out = joined.subarray(0, n);
      this.#chunks = joined.length > n ? [joined.subarray(n)] : [];
    }
    this.#buffered -= n;
    return out;
  }
}

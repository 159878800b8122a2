import * as http from "node:http";
import * as http2 from "node:http2";
import * as net from "node:net";
import { Duplex } from "node:stream";
import type { TLSSocket } from "node:tls";
import type { EmulatorCore } from "../context.js";
import { dispatch, internalError } from "./dispatch.js";
import type { HttpRequest, HttpResponse } from "./http-io.js";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

// Pipelined s2s sessions keep megabytes in flight (the official SDK opens 10 MiB windows); Node's
// default of 10 MB per HTTP/2 session would end such a session with ENHANCE_YOUR_CALM.
const H2_OPTIONS = { maxSessionMemory: 256 } as const;

/** Where and how the REST front end listens. */
export interface RestServerOptions {
  readonly host: string;
  readonly port: number;
  /** PEM certificate and key; plaintext (HTTP/1.1 and h2c on one port) without them. */
  readonly tls?: { readonly cert: string; readonly key: string } | undefined;
}

/** A running REST front end. */
export interface RestServer {
  readonly port: number;
  /** `http://HOST:PORT` or `https://HOST:PORT`. */
  readonly url: string;
  /** Stops listening and closes every connection. */
  close(): Promise<void>;
}

/**
 * Hands an HTTP/2 connection whose first bytes were already read to the `http2` server. nghttp2
 * reads the socket's native handle, so pushing the bytes back (`unshift`) would not reach it: a
 * JS stream replays them and then forwards the socket's data.
 */
function replaying(socket: net.Socket, head: Buffer): Duplex {
  const duplex = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk, encoding, callback) {
      socket.write(chunk, encoding, callback);
    },
    final(callback) {
      socket.end();
      callback();
    },
    destroy(error, callback) {
      socket.destroy(error ?? undefined);
      callback(error);
    },
  });
  duplex.push(head);
  socket.on("data", (chunk: Buffer) => {
    if (!duplex.push(chunk)) socket.pause();
  });
  socket.on("end", () => duplex.push(null));
  socket.on("error", (error) => duplex.destroy(error));
  socket.on("close", () => duplex.destroy());
  Object.assign(duplex, {
    remoteAddress: socket.remoteAddress,
    remotePort: socket.remotePort,
    remoteFamily: socket.remoteFamily,
    localAddress: socket.localAddress,
    localPort: socket.localPort,
    setNoDelay: () => duplex,
    setKeepAlive: () => duplex,
    setTimeout: () => duplex,
  });
  return duplex;
}

/**
 * Starts the REST v1 front end. Without TLS, one port serves HTTP/1.1 and cleartext HTTP/2 with
 * prior knowledge: the first bytes of each connection are compared with the HTTP/2 preface. With
 * TLS, ALPN chooses (`h2` or `http/1.1`).
 */
export async function startRestServer(
  core: EmulatorCore,
  options: RestServerOptions,
): Promise<RestServer> {
  const handler = (request: HttpRequest, response: HttpResponse) => {
    dispatch(core, request, response).catch((error: unknown) => internalError(response, error));
  };
  const sockets = new Set<net.Socket | TLSSocket>();
  const sessions = new Set<http2.Http2Session>();
  const track = (socket: net.Socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  };
  const trackSession = (session: http2.Http2Session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
    session.on("error", () => {});
  };

  let listener: net.Server;
  if (options.tls !== undefined) {
    const secure = http2.createSecureServer(
      { ...H2_OPTIONS, cert: options.tls.cert, key: options.tls.key, allowHTTP1: true },
      handler,
    );
    secure.on("secureConnection", track);
    secure.on("session", trackSession);
    listener = secure;
  } else {
    const h1 = http.createServer(handler);
    const h2 = http2.createServer(H2_OPTIONS, handler);
    h2.on("session", trackSession);
    listener = net.createServer((socket) => {
      track(socket);
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const compared = Math.min(head.length, PREFACE.length);
        const isH2 = head.subarray(0, compared).equals(PREFACE.subarray(0, compared));
        if (isH2 && head.length < PREFACE.length) return;
        socket.off("data", onData);
        socket.pause();
        if (isH2) {
          h2.emit("connection", replaying(socket, head));
        } else {
          socket.unshift(head);
          h1.emit("connection", socket);
          socket.resume();
        }
      };
      socket.on("data", onData);
      socket.on("error", () => {});
    });
  }
  await new Promise<void>((resolve, reject) => {
    listener.once("error", reject);
    listener.listen(options.port, options.host, () => {
      listener.off("error", reject);
      resolve();
    });
  });
  const address = listener.address() as net.AddressInfo;
  const scheme = options.tls === undefined ? "http" : "https";
  return {
    port: address.port,
    url: `${scheme}://${options.host}:${address.port}`,
    close() {
      return new Promise<void>((resolve) => {
        listener.close(() => resolve());
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}

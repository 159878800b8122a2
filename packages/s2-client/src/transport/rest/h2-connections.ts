import * as http2 from "node:http2";

/**
 * One HTTP/2 connection per origin for s2s sessions (prior knowledge over `http://`, ALPN over
 * `https://`), replaced when it closes, fails or receives GOAWAY. Sessions multiplex on it.
 *
 * @internal
 */
export class H2Connections {
  readonly #sessions = new Map<string, http2.ClientHttp2Session>();
  #closed = false;

  /** The live connection to `origin`, opened if needed. */
  get(origin: string): http2.ClientHttp2Session {
    const existing = this.#sessions.get(origin);
    if (existing !== undefined && !existing.closed && !existing.destroyed) return existing;
    const session = http2.connect(origin, {
      // Large windows: a read session must not stall on flow control while the consumer is fast.
      settings: { initialWindowSize: 10 * 1024 * 1024 },
    });
    const forget = () => {
      if (this.#sessions.get(origin) === session) this.#sessions.delete(origin);
    };
    // A connection error reaches the streams on it; the session-level event only needs a listener.
    session.on("error", forget);
    session.on("goaway", forget);
    session.on("close", forget);
    session.on("connect", () => {
      try {
        session.setLocalWindowSize(10 * 1024 * 1024);
      } catch {
        // Only a tuning: a connection that refuses it still works.
      }
    });
    this.#sessions.set(origin, session);
    return session;
  }

  /** Closes every connection (streams on them end with an error). */
  close(): void {
    this.#closed = true;
    for (const session of this.#sessions.values()) session.destroy();
    this.#sessions.clear();
  }

  get closed(): boolean {
    return this.#closed;
  }
}

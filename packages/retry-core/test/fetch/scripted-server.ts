import { createServer, type IncomingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What the server does with one request. */
export interface Step {
  /** @default 200 */
  status?: number;
  headers?: Record<string, string>;
  /** @default "ok" for 2xx, the status otherwise */
  body?: string;
  /** Wait this long (ms) before answering. */
  delay?: number;
  /** Destroy the connection instead of answering. */
  drop?: boolean;
  /** Add a `Date` header (Node.js does by default). @default true */
  sendDate?: boolean;
  /** Send the headers and a first chunk, then never finish the body. */
  endless?: boolean;
}

/** One request as the server saw it. */
export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  /** Resolves when the server-side response is closed (finished, or its connection torn down). */
  closed: Promise<void>;
}

/** A real HTTP server on 127.0.0.1 that answers each path from a script and records every request. */
export interface ScriptedServer {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly received: Received[];
  /** Requests received on `path`. */
  count(path: string): number;
  /** Answers the requests to `path` with `steps` in order; the last step repeats. */
  route(path: string, ...steps: Step[]): void;
  close(): Promise<void>;
}

/** Starts a scripted server on an ephemeral port. Unscripted paths answer 404. */
export async function startScriptedServer(): Promise<ScriptedServer> {
  const routes = new Map<string, { steps: Step[]; served: number }>();
  const received: Received[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const answer = (res: ServerResponse, step: Step): void => {
    if (step.drop) {
      res.socket?.destroy();
      return;
    }
    const status = step.status ?? 200;
    res.sendDate = step.sendDate ?? true;
    res.writeHead(status, { "content-type": "text/plain", ...step.headers });
    if (step.endless) {
      res.write("x".repeat(1024));
      return;
    }
    res.end(step.body ?? (status < 300 ? "ok" : String(status)));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      received.push({
        method: req.method ?? "",
        path: url.pathname,
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
        closed: new Promise((resolve) => res.once("close", () => resolve())),
      });
      const route = routes.get(url.pathname);
      if (route === undefined) {
        res.writeHead(404).end("no route");
        return;
      }
      const step = route.steps[Math.min(route.served, route.steps.length - 1)]!;
      route.served++;
      if (step.delay) {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) answer(res, step);
        }, step.delay);
        timers.add(timer);
        res.once("close", () => {
          clearTimeout(timer);
          timers.delete(timer);
        });
      } else {
        answer(res, step);
      }
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    count: (path) => received.filter((r) => r.path === path).length,
    route(path, ...steps) {
      if (steps.length === 0) throw new RangeError("route needs at least one step");
      routes.set(path, { steps, served: 0 });
    },
    close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      return new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}

/** The one listener a signal carries for every link to it, and the links it serves. */
interface Links {
  readonly receivers: Set<(reason: unknown) => void>;
  readonly listener: () => void;
}

const links = new WeakMap<AbortSignal, Links>();

/**
 * Calls `receiver(signal.reason)` when `signal` aborts, until the returned function unlinks it.
 *
 * However many links a signal has (concurrent requests sharing a caller's signal, or a client's
 * close signal), it carries a single `abort` listener, removed with its last link: a long-lived
 * signal keeps nothing of requests that have ended (unlike `AbortSignal.any`, whose dependants
 * pile up on the source in Node 20), and never reaches the listener count at which Node prints
 * `MaxListenersExceededWarning`. The engine links every call, hedged call, session and pause to
 * its signal this way; layers above (transports) use it for their own per-request links.
 *
 * @example
 * ```ts
 * import { linkAbort } from "@retrykit/retry-core";
 * const unlink = linkAbort(signal, (reason) => request.cancel(reason));
 * request.finally(unlink);
 * ```
 */
export function linkAbort(signal: AbortSignal, receiver: (reason: unknown) => void): () => void {
  let entry = links.get(signal);
  if (entry === undefined) {
    const receivers = new Set<(reason: unknown) => void>();
    const created: Links = {
      receivers,
      listener: () => {
        links.delete(signal);
        for (const receive of [...receivers]) receive(signal.reason);
        receivers.clear();
      },
    };
    signal.addEventListener("abort", created.listener, { once: true });
    links.set(signal, created);
    entry = created;
  }
  const current = entry;
  current.receivers.add(receiver);
  return () => {
    if (!current.receivers.delete(receiver) || current.receivers.size > 0) return;
    if (links.get(signal) === current) links.delete(signal);
    signal.removeEventListener("abort", current.listener);
  };
}

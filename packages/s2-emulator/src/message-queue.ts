import type { EventEmitter } from "node:events";

/**
 * The messages of a readable call as an async iterable that, unlike iterating the stream itself,
 * does not destroy the call when the consumer stops early: the server must still send a status.
 */
export async function* messagesOf<T>(source: EventEmitter): AsyncGenerator<T, void, undefined> {
  const buffered: T[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  const onData = (message: T) => {
    buffered.push(message);
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  const onError = (error: unknown) => {
    failure ??= error;
    ended = true;
    notify();
  };
  source.on("data", onData);
  source.on("end", onEnd);
  source.on("error", onError);
  try {
    while (true) {
      const next = buffered.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    source.off("data", onData);
    source.off("end", onEnd);
    source.off("error", onError);
  }
}

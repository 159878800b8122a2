import type { CallContext } from "./context.js";
import type { Stream } from "./model/stream.js";

/**
 * Waits for the stream's next commit, `timeoutMs` (Infinity: no limit) or the end of the call,
 * whichever comes first, leaving no listener or timer behind. Both front ends' tailing reads (gRPC
 * read sessions, REST long polls, s2s and SSE sessions) wait through it. @internal
 */
export function waitForCommit(
  context: CallContext,
  stream: Stream,
  timeoutMs: number,
): Promise<"commit" | "timeout" | "aborted"> {
  return new Promise((resolve) => {
    const { signal } = context;
    if (signal.aborted) {
      resolve("aborted");
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    const finish = (why: "commit" | "timeout" | "aborted") => {
      unsubscribe();
      signal.removeEventListener("abort", onAbort);
      if (timer !== undefined) clearTimeout(timer);
      resolve(why);
    };
    const onAbort = () => finish("aborted");
    const unsubscribe = stream.onCommit(() => finish("commit"));
    signal.addEventListener("abort", onAbort);
    if (Number.isFinite(timeoutMs))
      timer = setTimeout(() => finish("timeout"), Math.max(0, timeoutMs));
  });
}

// Per-call cost of the retry-core engine against its JavaScript peers, in one process.
//
// Three scenarios: (a) success on the first attempt, no timeouts; (b) success with an attempt
// timeout and a deadline; (c) one failure then success with a zero pause. Each library is run in
// the closest configuration it offers; differences are printed with the table.
//
// Method: each measurement awaits the call in a tight loop for a fixed time budget; one warm-up
// round is discarded, then the median of several rounds is reported in ns per call.
import { execFileSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
// Installed and loaded, with no SDK registered: the engine must do no OpenTelemetry work.
import "@opentelemetry/api";
import {
  asyncRetry as asyncRetryDecorator,
  Backoff,
  CircuitBreaker,
  currentAttempt,
  RetryBudget,
} from "@retrykit/retry-core";
import asyncRetry from "async-retry";
import {
  ConstantBackoff,
  retry as cockatielRetry,
  timeout as cockatielTimeout,
  handleAll,
  TimeoutStrategy,
  wrap,
} from "cockatiel";
import { backOff } from "exponential-backoff";
import pRetry from "p-retry";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 150);
// Ratios between rows (success path / floor, telemetry on / off): many short paired rounds.
const HOT_ROUNDS = Number(process.env.BENCH_HOT_ROUNDS ?? 100);
const HOT_ROUND_MS = Number(process.env.BENCH_HOT_ROUND_MS ?? 25);

type Call = () => Promise<unknown>;

/** One round: calls `call` in a loop for `ms` (ROUND_MS by default); returns ns per call. */
async function round(call: Call, ms = ROUND_MS): Promise<number> {
  let calls = 0;
  const start = process.hrtime.bigint();
  const budget = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  // Check the time every batch of calls, so the clock read stays out of the per-call cost.
  while (elapsed < budget) {
    for (let i = 0; i < 64; i++) await call();
    calls += 64;
    elapsed = process.hrtime.bigint() - start;
  }
  return Number(elapsed) / calls;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

/** Bounds a promise by `ms`, the way a caller adds an attempt timeout to a library without one. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

const failure = new Error("flaky");
const succeed = (): Promise<number> => Promise.resolve(1);
function failOnce(): () => Promise<number> {
  let n = 0;
  // Fails on every other call: each measured call sees one failure, then a success.
  return () => ((n++ & 1) === 0 ? Promise.reject(failure) : Promise.resolve(1));
}

interface Contender {
  library: string;
  a: Call;
  b: Call;
  c: Call;
  note: string;
}

function contenders(): Contender[] {
  const plain = new Backoff({ maxTries: 3, retryIf: () => true });
  const timed = new Backoff({
    maxTries: 3,
    retryIf: () => true,
    attemptTimeout: 1_000,
    deadline: 5_000,
  });
  const flakyOurs = failOnce();
  // The engine without its OpenTelemetry probe: what every call cost before the integration.
  const plainOff = new Backoff({ maxTries: 3, retryIf: () => true, telemetry: false });
  const timedOff = new Backoff({
    maxTries: 3,
    retryIf: () => true,
    attemptTimeout: 1_000,
    deadline: 5_000,
    telemetry: false,
  });
  const flakyOff = failOnce();

  const cockatielPlain = cockatielRetry(handleAll, {
    maxAttempts: 2,
    backoff: new ConstantBackoff(0),
  });
  const cockatielTimed = wrap(
    cockatielTimeout(5_000, TimeoutStrategy.Aggressive),
    cockatielPlain,
    cockatielTimeout(1_000, TimeoutStrategy.Aggressive),
  );
  const flakyCockatiel = failOnce();

  const flakyP = failOnce();
  const flakyExp = failOnce();
  const flakyAsync = failOnce();

  return [
    {
      library: "bare await fn()",
      a: succeed,
      b: () => withTimeout(succeed(), 1_000),
      c: async () => {
        try {
          return await flakyOurs();
        } catch {
          return await flakyOurs();
        }
      },
      note: "no retry library: the floor",
    },
    {
      library: "@retrykit/retry-core",
      a: () => plain.execute(succeed),
      b: () => timed.execute(succeed),
      c: () => plain.execute(flakyOurs),
      note: "maxTries 3, retry any error; (b) attemptTimeout 1 s, deadline 5 s; (c) pause 0: no timer; @opentelemetry/api loaded, no provider registered",
    },
    {
      library: "@retrykit/retry-core, telemetry: false",
      a: () => plainOff.execute(succeed),
      b: () => timedOff.execute(succeed),
      c: () => plainOff.execute(flakyOff),
      note: "as above with the OpenTelemetry probe turned off: the engine's cost without the integration",
    },
    {
      library: "cockatiel 3.2.1",
      a: () => cockatielPlain.execute(succeed),
      b: () => cockatielTimed.execute(succeed),
      c: () => cockatielPlain.execute(flakyCockatiel),
      note: "retry(handleAll, maxAttempts 2, ConstantBackoff(0)); (b) wrap(timeout 5 s, retry, timeout 1 s); (c) a 0 ms delay still goes through setTimeout",
    },
    {
      library: "p-retry 7.1.1",
      a: () => pRetry(succeed, { retries: 2, minTimeout: 0 }),
      b: () =>
        pRetry(() => withTimeout(succeed(), 1_000), {
          retries: 2,
          minTimeout: 0,
          maxRetryTime: 5_000,
        }),
      c: () => pRetry(flakyP, { retries: 2, minTimeout: 0 }),
      note: "retries 2, minTimeout 0; (b) no attempt timeout option: a setTimeout race per attempt, maxRetryTime 5 s (checked between attempts only)",
    },
    {
      library: "exponential-backoff 3.1.3",
      a: () => backOff(succeed, { numOfAttempts: 3, startingDelay: 0 }),
      b: () =>
        withTimeout(
          backOff(() => withTimeout(succeed(), 1_000), { numOfAttempts: 3, startingDelay: 0 }),
          5_000,
        ),
      c: () => backOff(flakyExp, { numOfAttempts: 3, startingDelay: 0 }),
      note: "numOfAttempts 3, startingDelay 0; (b) no timeouts: a setTimeout race per attempt and one around the call; (c) 0 ms delay through setTimeout",
    },
    {
      library: "async-retry 1.3.3",
      a: () => asyncRetry(succeed, { retries: 2, minTimeout: 0, factor: 1 }),
      b: () =>
        withTimeout(
          asyncRetry(() => withTimeout(succeed(), 1_000), { retries: 2, minTimeout: 0, factor: 1 }),
          5_000,
        ),
      c: () => asyncRetry(flakyAsync, { retries: 2, minTimeout: 0, factor: 1 }),
      note: "retries 2, minTimeout 0; (b) no timeouts: setTimeout races as above; (c) 0 ms delay through setTimeout",
    },
  ];
}

function format(ns: number): string {
  return ns >= 10_000 ? `${(ns / 1000).toFixed(1)} µs` : `${ns.toFixed(0)} ns`;
}

let observed = 0;
function observeValue(value: unknown): unknown {
  observed++;
  return value;
}
function observeError(error: unknown): never {
  throw error;
}

/** The floor of any retry wrapper: call once and observe the outcome with one `.then`. */
function floor<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return fn(...args).then(observeValue as (value: R) => R, observeError);
}

/** Rounds interleaved across rows; returns the median ns per call of each row. */
async function measure(rows: Record<string, Call>): Promise<Record<string, number[]>> {
  const samples: Record<string, number[]> = {};
  for (let r = 0; r <= ROUNDS; r++) {
    for (const [name, call] of Object.entries(rows)) {
      const ns = await round(call);
      if (r > 0) (samples[name] ??= []).push(ns);
    }
  }
  return samples;
}

function spread(samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  return `${format(sorted[0] as number)}–${format(sorted[sorted.length - 1] as number)}`;
}

/** Per row: its ns per call in each round, and each round's ratio to the base row of that round. */
interface Paired {
  samples: Record<string, number[]>;
  ratios: Record<string, number[]>;
}

/**
 * Rows whose ratio to a base row is the figure: a ratio of ~1.2 is a difference of a few tens of
 * ns, smaller than the drift of a shared machine between two rounds, so each round measures every
 * row back to back and divides it by that round's base. Each round also starts one row later: a
 * row's place in the round (the garbage the rows before it left) is worth a few per cent, and the
 * rotation gives every row every place. Round 0 is the warm-up and is discarded.
 */
async function measurePaired(
  rows: Record<string, Call>,
  base: string,
  rounds: number,
  ms: number,
): Promise<Paired> {
  const entries = Object.entries(rows);
  const samples: Record<string, number[]> = {};
  const ratios: Record<string, number[]> = {};
  for (let r = 0; r <= rounds; r++) {
    const ns: Record<string, number> = {};
    for (let k = 0; k < entries.length; k++) {
      const [name, call] = entries[(r + k) % entries.length] as [string, Call];
      ns[name] = await round(call, ms);
    }
    if (r === 0) continue;
    for (const [name] of entries) {
      (samples[name] ??= []).push(ns[name] as number);
      (ratios[name] ??= []).push((ns[name] as number) / (ns[base] as number));
    }
  }
  return { samples, ratios };
}

/** Prints one row of a paired table: median ns (range) and the median of its paired ratios. */
function printPaired(paired: Paired, name: string, digits: number): number {
  const values = paired.samples[name] ?? [];
  const ratio = median(paired.ratios[name] ?? []);
  console.log(
    `| ${name} | ${format(median(values))} (${spread(values)}) | ${ratio.toFixed(digits)}× |`,
  );
  return ratio;
}

/** The built package (`pnpm run build`: what users run), or undefined when it is not built. */
async function builtBackoff(): Promise<typeof Backoff | undefined> {
  try {
    const url = new URL("../packages/retry-core/dist/index.js", import.meta.url).href;
    return ((await import(url)) as { Backoff: typeof Backoff }).Backoff;
  } catch {
    return undefined;
  }
}

/** The two states of a process in which the success path is measured against its floor. */
type HotPathState = "fresh" | "after-failures";

/** The tables measured in a process of their own (see `hotPath`), by the child's environment. */
type ChildTable = HotPathState | "telemetry";

/** Runs `engine.ts` again for one table, in a fresh process, its output going to ours. */
function inChild(table: ChildTable): void {
  execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, BENCH_CHILD_TABLE: table },
    stdio: "inherit",
  });
}

/**
 * The success path against its floor, and with a budget and a breaker configured, each in a
 * process of its own: what V8 has seen decides how it compiles a call site, so the table above
 * (every library, successes and failures) would weigh on whichever row happens to share code with
 * it. In the fresh process every call site has seen one function; in the other, the floor and
 * both copies of the engine (sources and built) first run the same 20,000 calls mixing successes,
 * rejections and a second function.
 */
function hotPath(): void {
  inChild("fresh");
  inChild("after-failures");
}

/** One state's table of `hotPath`, run in the child process. */
async function hotPathIn(state: HotPathState): Promise<void> {
  const plain = new Backoff({ maxTries: 3, retryIf: () => true });
  // The sources run through the benchmark's TypeScript loader; the built output is what users run.
  const Built = await builtBackoff();
  const built = Built === undefined ? undefined : new Built({ maxTries: 3, retryIf: () => true });
  const guarded = new Backoff({
    maxTries: 3,
    retryIf: () => true,
    budget: new RetryBudget({ maxTokens: 10, tokenRatio: 0.1 }),
    breaker: new CircuitBreaker({ threshold: 5, halfOpenAfter: 10_000 }),
  });
  // The decorators' path (a wrapper function, `this` and an arguments array), for comparison.
  const wrapped = asyncRetryDecorator(3)(succeed);
  if (state === "after-failures") {
    const mix: Call[] = [succeed, failOnce(), failOnce(), () => Promise.resolve(2)];
    const ignore = (): undefined => undefined;
    const warmSources = new Backoff({ maxTries: 3, retryIf: () => true });
    const warmWrapped = mix.map((fn) => asyncRetryDecorator(3)(fn));
    const warmBuilt =
      Built === undefined ? undefined : new Built({ maxTries: 3, retryIf: () => true });
    for (let i = 0; i < 20_000; i++) {
      const fn = mix[i & 3] as Call;
      await floor(fn).then(undefined, ignore);
      await warmSources.execute(fn).then(undefined, ignore);
      await (warmWrapped[i & 3] as Call)().then(undefined, ignore);
      await warmBuilt?.execute(fn).then(undefined, ignore);
    }
  }
  const rows: Record<string, Call> = {
    "bare await fn()": succeed,
    "floor: fn().then(observe, observe)": () => floor(succeed),
    "retry-core, maxTries 3": () => plain.execute(succeed),
    "retry-core + RetryBudget + CircuitBreaker": () => guarded.execute(succeed),
    "retry-core, asyncRetry(3)(fn) wrapper": wrapped,
    ...(built === undefined
      ? {}
      : { "retry-core, maxTries 3, built dist/": () => built.execute(succeed) }),
  };
  const paired = await measurePaired(
    rows,
    "floor: fn().then(observe, observe)",
    HOT_ROUNDS,
    HOT_ROUND_MS,
  );
  const where =
    state === "fresh"
      ? "a fresh process"
      : "a process whose floor and engine first ran 20,000 calls mixing successes and failures";
  console.log(
    `\nSuccess path against its floor in ${where} (${HOT_ROUNDS} rounds of ${HOT_ROUND_MS} ms per row; medians, range in brackets; the ratio is the median of each round's row / that round's floor)\n`,
  );
  console.log("| row | ns per call | / floor |");
  console.log("|---|---:|---:|");
  for (const name of Object.keys(rows)) printPaired(paired, name, 2);
  if (observed < 0) console.log(observed);
}

/**
 * The OpenTelemetry integration's cost when it has nothing to do: `@opentelemetry/api` is loaded
 * (imported above) but no tracer or meter provider is registered, against the same policy with
 * `telemetry: false` (which skips the check, as the engine did before the integration existed).
 * Run in a fresh process (`inChild("telemetry")`), for the reason given at `hotPath`.
 */
export async function telemetryOverhead(): Promise<number> {
  const integrated = new Backoff({ maxTries: 3, retryIf: () => true });
  const without = new Backoff({ maxTries: 3, retryIf: () => true, telemetry: false });
  const rows: Record<string, Call> = {
    "retry-core, telemetry: false": () => without.execute(succeed),
    "retry-core, @opentelemetry/api loaded, no provider": () => integrated.execute(succeed),
  };
  const paired = await measurePaired(
    rows,
    "retry-core, telemetry: false",
    HOT_ROUNDS,
    HOT_ROUND_MS,
  );
  console.log(
    `\nOpenTelemetry integration with no SDK registered, success path (a fresh process; ${HOT_ROUNDS} rounds of ${HOT_ROUND_MS} ms per row; medians, range in brackets; the ratio is the median of each round's row / that round's telemetry: false)\n`,
  );
  console.log("| row | ns per call | / telemetry: false |");
  console.log("|---|---:|---:|");
  let ratio = 1;
  for (const name of Object.keys(rows)) ratio = printPaired(paired, name, 3);
  return ratio;
}

/**
 * Hedging against cockatiel's closest equivalent: cockatiel has no hedging, so an aggressive
 * timeout that abandons a slow attempt and retries it stands in.
 */
async function hedging(): Promise<void> {
  const hedged = new Backoff({ maxTries: 2, hedge: { delay: 1, maxAttempts: 2 } });
  const cockatielHedge = wrap(
    cockatielRetry(handleAll, { maxAttempts: 1, backoff: new ConstantBackoff(0) }),
    cockatielTimeout(1, TimeoutStrategy.Aggressive),
  );
  // Every other call's first attempt stalls until its signal aborts.
  let n = 0;
  const stallOurs = (): Promise<number> => {
    if ((n++ & 1) === 1) return Promise.resolve(1);
    const signal = currentAttempt()?.signal;
    return new Promise((_, reject) =>
      signal?.addEventListener("abort", () => reject(signal.reason)),
    );
  };
  let m = 0;
  const stallCockatiel = ({ signal }: { signal: AbortSignal }): Promise<number> => {
    if ((m++ & 1) === 1) return Promise.resolve(1);
    return new Promise((_, reject) =>
      signal.addEventListener("abort", () => reject(signal.reason)),
    );
  };
  const samples = await measure({
    "retry-core hedge, success": () => hedged.execute(succeed),
    "cockatiel timeout + retry, success": () => cockatielHedge.execute(succeed),
    "retry-core hedge, first attempt stalls": () => hedged.execute(stallOurs),
    "cockatiel timeout + retry, first attempt stalls": () => cockatielHedge.execute(stallCockatiel),
  });
  console.log(
    `\nHedging (delay 1 ms, 2 attempts) against cockatiel's closest equivalent, wrap(retry(maxAttempts 1), timeout(1 ms, Aggressive)); median of ${ROUNDS} rounds\n`,
  );
  console.log("| scenario | retry-core hedge | cockatiel timeout + retry | ratio |");
  console.log("|---|---:|---:|---:|");
  for (const scenario of ["success", "first attempt stalls"]) {
    const ours = median(samples[`retry-core hedge, ${scenario}`] ?? []);
    const theirs = median(samples[`cockatiel timeout + retry, ${scenario}`] ?? []);
    console.log(
      `| ${scenario} | ${format(ours)} | ${format(theirs)} | ${(ours / theirs).toFixed(2)}× |`,
    );
  }
}

/** Measures every contender in every scenario and prints a Markdown table; returns the figures. */
export default async function run(): Promise<Record<string, Record<"a" | "b" | "c", number>>> {
  const list = contenders();
  const scenarios = ["a", "b", "c"] as const;
  // Rounds are interleaved across libraries, so drift in machine load touches them all alike;
  // round 0 is the warm-up and is discarded.
  const samples = new Map<string, number[]>();
  for (let r = 0; r <= ROUNDS; r++) {
    for (const s of scenarios) {
      for (const contender of list) {
        const ns = await round(contender[s]);
        if (r === 0) continue;
        const key = `${contender.library}/${s}`;
        samples.set(key, [...(samples.get(key) ?? []), ns]);
      }
    }
  }
  const results: Record<string, Record<"a" | "b" | "c", number>> = {};
  for (const contender of list) {
    results[contender.library] = {
      a: median(samples.get(`${contender.library}/a`) ?? []),
      b: median(samples.get(`${contender.library}/b`) ?? []),
      c: median(samples.get(`${contender.library}/c`) ?? []),
    };
  }
  const best: Record<string, number> = {};
  for (const s of scenarios) {
    best[s] = Math.min(
      ...list
        .filter((c) => c.library !== "bare await fn()" && !c.library.startsWith("@retrykit/"))
        .map((c) => results[c.library]?.[s] as number),
    );
  }
  console.log(
    `Node ${process.version}, median of ${ROUNDS} rounds of ${ROUND_MS} ms, ns per call (ratio to the best peer)\n`,
  );
  console.log(
    "| library | (a) success, no timeouts | (b) success, attempt timeout + deadline | (c) 1 failure + success, pause 0 |",
  );
  console.log("|---|---:|---:|---:|");
  for (const contender of list) {
    const row = scenarios.map((s) => {
      const ns = results[contender.library]?.[s] as number;
      return `${format(ns)} (${(ns / (best[s] as number)).toFixed(2)}×)`;
    });
    console.log(`| ${contender.library} | ${row.join(" | ")} |`);
  }
  console.log("\nConfigurations:");
  for (const contender of list) console.log(`- ${contender.library}: ${contender.note}`);
  hotPath();
  inChild("telemetry");
  await hedging();
  return results;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const table = process.env.BENCH_CHILD_TABLE as ChildTable | undefined;
  if (table === undefined) await run();
  else if (table === "telemetry") await telemetryOverhead();
  else await hotPathIn(table);
}

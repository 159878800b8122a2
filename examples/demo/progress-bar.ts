/** Where the progress bar writes: a terminal (redrawn in place) or anything else (plain lines). */
export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** Options of {@link ProgressBar}. Durations are milliseconds. */
export interface ProgressBarOptions {
  /** Where to draw. @default process.stdout */
  readonly output?: ProgressOutput;
  /** Redraw period on a terminal. @default 100 */
  readonly redrawEvery?: number;
  /** Period of the plain lines written when the output is not a terminal. @default 2000 */
  readonly lineEvery?: number;
}

/**
 * A status line that stays current while work runs: on a terminal it is redrawn in place; in a log
 * (CI, a pipe) it is written as a plain line now and then, so the log stays readable. `render`
 * builds the line from the current state each time. No dependency, no handle left once stopped.
 *
 * @example
 * ```ts
 * const progress = new ProgressBar(() => `${bar(done / total)} ${done}/${total}`);
 * progress.start();
 * try { await work(); } finally { progress.stop(); }
 * ```
 */
export class ProgressBar {
  readonly #render: () => string;
  readonly #output: ProgressOutput;
  readonly #tty: boolean;
  readonly #period: number;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(render: () => string, options: ProgressBarOptions = {}) {
    this.#render = render;
    this.#output = options.output ?? process.stdout;
    this.#tty = this.#output.isTTY === true;
    this.#period = this.#tty ? (options.redrawEvery ?? 100) : (options.lineEvery ?? 2000);
  }

  /** Draws now and keeps drawing until {@link ProgressBar.stop}. */
  start(): void {
    if (this.#timer !== undefined) return;
    this.#draw();
    this.#timer = setInterval(() => this.#draw(), this.#period);
  }

  /** Draws the final state and leaves the cursor on a new line. Safe to call twice. */
  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#draw();
    if (this.#tty) this.#output.write("\n");
  }

  #draw(): void {
    const line = this.#render();
    if (this.#tty) {
      // Cut to the terminal's width: a wrapped line could not be redrawn in place.
      const width = this.#output.columns || 80;
      this.#output.write(`\r\x1b[2K${line.slice(0, Math.max(0, width - 1))}`);
    } else {
      this.#output.write(`${line}\n`);
    }
  }
}

/** A bar of `width` cells filled to `fraction` (clamped to [0, 1]), with eighth-cell precision. */
export function bar(fraction: number, width = 20): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const eighths = Math.round(clamped * width * 8);
  const full = Math.floor(eighths / 8);
  const partial = eighths % 8;
  const partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
  const cells = "█".repeat(full) + (full < width ? partials[partial] : "");
  return `[${cells.padEnd(width, " ")}]`;
}

/** A log found damaged when the data directory was opened. */
export interface DamagedLog {
  /** Path of the log file. */
  readonly file: string;
  /** `basin/stream` of the stream the log belongs to, when the metadata names it. */
  readonly stream: string | undefined;
  /** Byte offset of the first frame that is not intact. */
  readonly offset: number;
  /** What is wrong there, e.g. `checksum mismatch`. */
  readonly reason: string;
  /** Bytes from the damage to the end of the file (cut off by a repair). */
  readonly droppedBytes: number;
  /** Intact records found after the damage (lost by a repair). */
  readonly droppedRecords: number;
}

/** One line naming a damaged log, where it is damaged and what lies after the damage. */
export function describeDamage(log: DamagedLog): string {
  const stream = log.stream === undefined ? "" : ` (stream ${JSON.stringify(log.stream)})`;
  return (
    `${log.file}${stream} at byte offset ${log.offset}: ${log.reason}; ` +
    `${log.droppedBytes} bytes after it, holding ${log.droppedRecords} intact records`
  );
}

/**
 * The data directory holds a log damaged before its last frame: not what a crash in the middle
 * of a write leaves, so acknowledged records may be behind the damage. The emulator refuses to
 * start rather than drop them silently; starting with `repair` (CLI: `--repair`) cuts each such
 * log at its damage instead.
 */
export class LogDamageError extends Error {
  override readonly name = "LogDamageError";
  /** Every damaged log found, in file order. */
  readonly logs: readonly DamagedLog[];

  constructor(logs: readonly DamagedLog[]) {
    super(
      `refusing to start: ${logs.length === 1 ? "a log is" : `${logs.length} logs are`} damaged ` +
        `before the last frame (not a torn write): ${logs.map(describeDamage).join("; ")}. ` +
        "Start with repair (--repair) to cut each log at its damage and drop what follows.",
    );
    this.logs = logs;
  }
}

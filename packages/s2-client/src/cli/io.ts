/** What a command reads and writes, so that the command line can run outside a real process. */
export interface CliIo {
  /** Environment variables (`S2_ACCESS_TOKEN`, `S2_ACCOUNT_ENDPOINT`, ...). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Standard input, as chunks. */
  readonly stdin: AsyncIterable<string | Uint8Array>;
  /** Writes to standard output; resolves once the text is accepted (back-pressure). */
  out(text: string): Promise<void>;
  /** Writes a diagnostic line to standard error. */
  err(text: string): void;
  /** Aborted when the user interrupts the command (Ctrl-C). */
  readonly signal: AbortSignal;
}

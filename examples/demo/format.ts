/** `50000` → `50,000`. */
export function count(value: number | bigint): string {
  return value.toLocaleString("en-US");
}

/** Milliseconds as `850 ms` or `3.2 s`. */
export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Records and bytes per second over `ms`. */
export function rate(records: number, bytes: number, ms: number): string {
  const seconds = Math.max(ms, 1) / 1000;
  const perSecond = Math.round(records / seconds);
  const mib = bytes / seconds / (1024 * 1024);
  return `${count(perSecond)} records/s (${mib.toFixed(1)} MiB/s)`;
}

/** Rows of two or more columns, the first ones padded to line up. */
export function table(rows: ReadonlyArray<readonly string[]>, indent = "  "): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, index) => {
      widths[index] = Math.max(widths[index] ?? 0, cell.length);
    });
  }
  return rows
    .map(
      (row) =>
        indent +
        row
          .map((cell, index) => (index === row.length - 1 ? cell : cell.padEnd(widths[index]!)))
          .join("  ")
          .trimEnd(),
    )
    .join("\n");
}

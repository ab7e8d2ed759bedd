/**
 * Bench result rows and their console table, for `npm run bench` and `driver-cert bench`: each
 * figure beside its baseline, the ratio (measured figure divided by baseline figure), the target
 * on that ratio (a bench target or a `--budget` limit) and whether it is met.
 */

/** A bound on a row's ratio: at least `min` (throughput) or at most `max` (time). */
export interface RatioTarget {
  min?: number;
  max?: number;
}

/** One printed figure. */
export interface BenchRow {
  /** What was measured, e.g. "action over WebSocket (cbor)". */
  scenario: string;
  /** Which figure, e.g. "p99", "throughput, 50 in flight". */
  figure: string;
  unit: "ms" | "µs" | "ops/s";
  value: number;
  /** The same figure for the baseline named by `label` (see the legend). */
  baseline?: { label: string; value: number };
  target?: RatioTarget;
}

/** `value / baseline.value`, or undefined when the row has no baseline. */
export function ratioOf(row: BenchRow): number | undefined {
  return row.baseline ? row.value / row.baseline.value : undefined;
}

/** "met", "MISSED", or "" for a row without a target. */
export function verdictOf(row: BenchRow): "" | "met" | "MISSED" {
  const ratio = ratioOf(row);
  if (!row.target || ratio === undefined) return "";
  const { min, max } = row.target;
  const ok = (min === undefined || ratio >= min) && (max === undefined || ratio <= max);
  return ok ? "met" : "MISSED";
}

/** The rows whose target is missed. */
export function missedRows(rows: readonly BenchRow[]): BenchRow[] {
  return rows.filter((row) => verdictOf(row) === "MISSED");
}

/**
 * Formats the rows as an aligned plain-text table, one line per row, with a header; `subject`
 * titles the measured column (default "toolkit").
 */
export function formatTable(rows: readonly BenchRow[], subject = "toolkit"): string {
  const header = ["scenario", "figure", subject, "baseline", "ratio", "target", "result"];
  const lines = rows.map((row) => {
    const ratio = ratioOf(row);
    return [
      row.scenario,
      row.figure,
      formatValue(row.value, row.unit),
      row.baseline ? `${formatValue(row.baseline.value, row.unit)} ${row.baseline.label}` : "-",
      ratio === undefined ? "-" : `${ratio.toFixed(2)}x`,
      formatTarget(row.target),
      verdictOf(row),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => line[column].length)),
  );
  const numeric = new Set([2, 4]);
  const render = (cells: string[]) =>
    cells
      .map((cell, column) =>
        numeric.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]),
      )
      .join("  ")
      .trimEnd();
  const rule = widths.map((width) => "-".repeat(width)).join("  ");
  return [render(header), rule, ...lines.map(render)].join("\n");
}

/** A figure as printed: ops/s and µs rounded, ms with 3 decimals below 10 ms, else 1. */
export function formatValue(value: number, unit: BenchRow["unit"]): string {
  if (unit === "ops/s") return `${Math.round(value).toLocaleString("en-US")} ops/s`;
  if (unit === "µs") return `${Math.round(value).toLocaleString("en-US")} µs`;
  return `${value < 10 ? value.toFixed(3) : value.toFixed(1)} ms`;
}

/** A target as printed: `>= 0.50x`, `<= 3.00x`, both, or `-`. */
export function formatTarget(target: RatioTarget | undefined): string {
  if (!target) return "-";
  const parts: string[] = [];
  if (target.min !== undefined) parts.push(`>= ${target.min.toFixed(2)}x`);
  if (target.max !== undefined) parts.push(`<= ${target.max.toFixed(2)}x`);
  return parts.join(", ");
}

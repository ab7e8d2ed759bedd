/**
 * The outputs of `driver-cert bench`: bench.json (model.ts, validated before it is written),
 * bench.md (a Markdown page of the same figures) and the legend printed under the table.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { formatLimit, formatRatio } from "./budget.ts";
import { type BenchReport, benchReportSchema } from "./model.ts";
import { formatValue } from "./table.ts";

/** The lines printed under the table, and written under it in bench.md. */
export function benchLegend(report: BenchReport): string[] {
  return [
    `ratio = ${report.driver.name} figure / ${report.baseline.name} figure, both measured in this run in interleaved rounds.`,
    "CPU per call = CPU time (user + system) of this process per sequential call: client, routers",
    "and in-process drivers share it; work a driver does in other processes (a database, node",
    "processes) shows in wall time only. Throughput: calls completed per second of wall time.",
    "create / get-or-create / get-for-id call the driver's ManagerDriver directly; the other paths",
    "go through the manager router with the public client (cbor).",
  ];
}

/** One line per workload that was not measured, and why. */
export function outcomeLines(report: BenchReport): string[] {
  return report.workloads
    .filter((w) => w.status !== "measured")
    .map((w) => `${w.id}: ${w.status}${w.message ? ` (${w.message})` : ""}`);
}

/** The budget verdict lines: each missed limit with its measured ratio, or all kept. */
export function budgetLines(report: BenchReport): string[] {
  const budget = report.budget;
  if (!budget) return [];
  if (budget.missed.length === 0) {
    return [`Budget ${budget.file}: all ${budget.limits} limits kept.`];
  }
  return [
    `Budget ${budget.file}: ${budget.missed.length} of ${budget.limits} limits missed:`,
    ...budget.missed.map(
      (m) =>
        `  ${m.id}: ${m.ratio === undefined ? m.reason : `measured ${formatRatio(m.ratio)}`}, limit ${formatLimit(m.limit)}`,
    ),
  ];
}

/** `1.2 0.9 0.7`. */
export function formatLoad(load: readonly number[]): string {
  return load.map((n) => n.toFixed(2)).join(" ");
}

/** bench.md: run facts, the figures as a Markdown table, outcomes and the budget verdict. */
export function renderBenchMarkdown(report: BenchReport): string {
  const { run } = report;
  const lines = [
    `# driver-cert bench: ${report.driver.name}`,
    "",
    `Driver module \`${report.driver.module}\` against the ${report.baseline.name} reference driver, ${run.rounds} interleaved rounds${run.quick ? " (--quick)" : ""}.`,
    `Node ${run.node}, ${run.cpus} x ${run.cpuModel}; load average ${formatLoad(run.loadAverage.start)} at start, ${formatLoad(run.loadAverage.end)} at end; ${(run.durationMs / 1000).toFixed(1)} s.`,
    "",
    "| workload | figure | driver | baseline | ratio | limit | result |",
    "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ...report.rows.map((row) =>
      [
        row.scenario,
        row.figure,
        formatValue(row.value, row.unit),
        row.baseline ? `${formatValue(row.baseline.value, row.unit)} ${row.baseline.label}` : "-",
        row.ratio === undefined ? "-" : formatRatio(row.ratio),
        row.limit ? formatLimit(row.limit) : "-",
        row.result ?? "",
      ]
        .map((cell) => cell.replaceAll("|", "\\|"))
        .join(" | ")
        .replace(/^/, "| ")
        .concat(" |"),
    ),
    "",
    ...benchLegend(report),
  ];
  const outcomes = outcomeLines(report);
  if (outcomes.length > 0) lines.push("", "Not measured:", "", ...outcomes.map((l) => `- ${l}`));
  const budget = budgetLines(report);
  if (budget.length > 0) lines.push("", ...budget);
  lines.push(
    "",
    `Exit code ${report.exitCode}${report.reasons.length ? `: ${report.reasons.join("; ")}` : ""}.`,
    "",
  );
  return lines.join("\n");
}

/**
 * Validates `report` against the schema (a mismatch is a bug: it throws) and writes
 * `bench.json` and `bench.md` into `outDir` (created if missing); resolves both paths.
 */
export async function writeBenchReport(report: BenchReport, outDir: string): Promise<string[]> {
  const checked = benchReportSchema.parse(report);
  await mkdir(outDir, { recursive: true });
  const json = join(outDir, "bench.json");
  const md = join(outDir, "bench.md");
  await writeFile(json, `${JSON.stringify(checked, null, 2)}\n`);
  await writeFile(md, renderBenchMarkdown(checked));
  return [json, md];
}

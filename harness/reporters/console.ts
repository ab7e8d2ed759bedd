/**
 * What `driver-cert run` prints after the progress lines: a recap of every failure grouped by
 * clause (the step that was pending, expected and actual, the suite line, a command that reruns
 * exactly that test), then the summary: the level, the counts, the verdict and its reasons and
 * warnings, and the report files.
 */
import { isAbsolute, relative } from "node:path";
import { isFailure } from "../report/assemble.ts";
import type { CertificationReport, TestResult } from "../report/model.ts";
import type { Colors } from "./colors.ts";

/** Lines of an error message the recap shows. */
const MAX_MESSAGE_LINES = 8;
/** Reasons the summary lists before "... N more in the report". */
const MAX_REASONS = 10;

function indent(text: string, prefix: string): string {
  return text
    .split("\n")
    .map((line, i) => (i === 0 ? line : `${prefix}${line}`))
    .join("\n");
}

function clip(text: string): string {
  const lines = text.split("\n");
  if (lines.length <= MAX_MESSAGE_LINES) return text;
  return [
    ...lines.slice(0, MAX_MESSAGE_LINES),
    `... (${lines.length - MAX_MESSAGE_LINES} more lines)`,
  ].join("\n");
}

/** The recap block of one failed test. */
export function renderFailure(test: TestResult, c: Colors): string {
  const label = test.status === "timeout" ? "TIMEOUT" : "FAIL";
  const tags = [
    test.clauseLevel === "SHOULD" ? "warning: SHOULD clause" : "",
    test.expectation === "expected-fail" ? "expected: listed in the expectations file" : "",
    test.flaky ? `flaky: ${(test.attempts ?? []).join(", ")}` : "",
  ].filter(Boolean);
  const pad = "      ";
  const lines = [
    `  ${c.bold(c.red(label))} ${test.id}${tags.length ? c.yellow(` (${tags.join("; ")})`) : ""}`,
  ];
  const field = (name: string, value: string | undefined) => {
    if (value !== undefined)
      lines.push(`    ${c.dim(`${name}:`.padEnd(9))} ${indent(value, `${pad}     `)}`);
  };
  const error = test.error;
  field("title", test.title);
  field("step", error?.step);
  field(
    "error",
    error ? clip(`${error.code ? `[${error.code}] ` : ""}${error.message}`) : undefined,
  );
  if (error?.expected !== undefined) field("expected", c.green(error.expected));
  if (error?.actual !== undefined) field("actual", c.red(error.actual));
  field("at", error?.location ?? test.source);
  field("rerun", test.rerun ? c.cyan(test.rerun) : undefined);
  return lines.join("\n");
}

/** Every failed or timed-out test, grouped by clause in CONTRACT order; "" when none failed. */
export function renderRecap(report: CertificationReport, c: Colors): string {
  const failed = report.tests.filter((t) => isFailure(t.status));
  if (failed.length === 0) return "";
  const out = ["", c.bold(`Failures (${failed.length}), by clause:`)];
  for (const clause of report.clauses) {
    const mine = failed.filter((t) => t.clause === clause.id);
    if (mine.length === 0) continue;
    const text = clause.text.length > 100 ? `${clause.text.slice(0, 97)}...` : clause.text;
    out.push("", `${c.bold(`${clause.level} ${clause.id}`)} ${c.dim(text)}`);
    for (const test of mine) out.push(renderFailure(test, c));
  }
  return `${out.join("\n")}\n`;
}

/** `path` relative to `cwd` when inside it, else absolute. */
export function shownPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

/** The summary after the recap: level, counts, verdict with reasons and warnings, files. */
export function renderSummary(
  report: CertificationReport,
  files: readonly string[],
  cwd: string,
  c: Colors,
): string {
  const n = report.counts;
  const { verdict } = report;
  const gate = {
    pass: c.green("PASS"),
    fail: c.red("FAIL"),
    error: c.red("ERROR"),
    interrupted: c.yellow("INTERRUPTED"),
  }[verdict.gate];
  const level = report.level.certified ? c.green(report.level.name) : report.level.name;
  const lines = [
    "",
    `${report.driver.name}: ${c.bold(level)}`,
    `${n.pass} passed, ${n.fail} failed, ${n.timeout} timed out, ${n.unsupported} unsupported, ${n.skipped} skipped ` +
      `(${(report.run.durationMs / 1000).toFixed(1)} s)`,
    `verdict: ${gate} (exit ${verdict.exitCode})${verdict.warnings.length ? `, ${verdict.warnings.length} warning(s)` : ""}`,
  ];
  if (report.run.seed !== undefined)
    lines.push(`seed ${report.run.seed} (replay the same inputs: --seed ${report.run.seed})`);
  const reasons = verdict.gate === "pass" ? report.level.reasons : verdict.reasons;
  const shown = reasons.slice(0, MAX_REASONS);
  for (const reason of shown) lines.push(`  - ${reason}`);
  if (reasons.length > shown.length) {
    lines.push(`  - ... ${reasons.length - shown.length} more in the report`);
  }
  for (const warning of verdict.warnings) lines.push(c.yellow(`  warning: ${warning}`));
  if (files.length > 0) lines.push(`reports: ${files.map((f) => shownPath(cwd, f)).join(", ")}`);
  return `${lines.join("\n")}\n`;
}

/**
 * The Markdown reporter: a summary fit for a CI step summary (`$GITHUB_STEP_SUMMARY`): level,
 * counts, why the run is not certified, failures with their errors, clauses that did not pass,
 * unsupported tests grouped by reason, and leaks.
 */
import type { CertificationReport, TestResult } from "../report/model.ts";
import type { ReportWriter } from "./types.ts";

const MAX_ERROR_LINES = 20;

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function fence(text: string): string {
  const lines = text.split("\n");
  const shown = lines.slice(0, MAX_ERROR_LINES);
  if (lines.length > MAX_ERROR_LINES)
    shown.push(`... (${lines.length - MAX_ERROR_LINES} more lines)`);
  return ["```text", ...shown.map((l) => l.replace(/```/g, "'''")), "```"].join("\n");
}

function failures(tests: TestResult[]): string[] {
  const out: string[] = [];
  for (const t of tests) {
    const tag =
      t.expectation === "expected-fail"
        ? " (expected failure)"
        : t.clauseLevel === "SHOULD"
          ? " (warning: SHOULD)"
          : "";
    const e = t.error;
    const details = [
      e?.step ? `- step: ${e.step}` : "",
      e?.expected !== undefined ? `- expected: \`${cell(e.expected)}\`` : "",
      e?.actual !== undefined ? `- actual: \`${cell(e.actual)}\`` : "",
      e?.location || t.source ? `- at: \`${e?.location ?? t.source}\`` : "",
      t.flaky ? `- flaky: ${(t.attempts ?? []).join(", ")}` : "",
      t.rerun ? `- rerun: \`${t.rerun}\`` : "",
    ].filter(Boolean);
    out.push(
      `### ${t.status === "timeout" ? "Timeout" : "Fail"}: \`${t.id}\`${tag}`,
      "",
      `${t.title} (clause ${t.clause}, ${t.clauseLevel}; client=${t.cell.client}, transport=${t.cell.transport}, encoding=${t.cell.encoding})`,
      "",
      ...(details.length > 0 ? [...details, ""] : []),
      fence(`${e?.code ? `[${e.code}] ` : ""}${e?.message ?? t.status}`),
      "",
    );
  }
  return out;
}

/** Renders the report as Markdown. */
export function renderMarkdown(report: CertificationReport): string {
  const { counts } = report;
  const seconds = (report.run.durationMs / 1000).toFixed(1);
  const out = [
    `# driver-cert: ${report.driver.name}: ${report.level.name}`,
    "",
    `Contract version ${report.contractVersion} · driver-cert ${report.tool.version} · ${counts.total} tests · ${seconds} s` +
      (report.run.filters ? ` · filters: \`${report.run.filters}\`` : "") +
      (report.run.seed !== undefined
        ? ` · seed ${report.run.seed} (replay: \`--seed ${report.run.seed}\`)`
        : ""),
    "",
    "| pass | fail | timeout | unsupported | skipped |",
    "| ---: | ---: | ---: | ---: | ---: |",
    `| ${counts.pass} | ${counts.fail} | ${counts.timeout} | ${counts.unsupported} | ${counts.skipped} |`,
    "",
  ];
  const { verdict } = report;
  out.push(
    `**Verdict: ${verdict.gate}** (exit code ${verdict.exitCode})` +
      (verdict.warnings.length > 0 ? ` · ${verdict.warnings.length} warning(s), not fatal` : ""),
    "",
  );
  if (verdict.reasons.length > 0) {
    out.push("## Why the gate did not pass", "", ...verdict.reasons.map((r) => `- ${r}`), "");
  }
  if (report.level.reasons.length > 0) {
    out.push("## Why not certified", "", ...report.level.reasons.map((r) => `- ${r}`), "");
  }
  if (verdict.warnings.length > 0) {
    out.push("## Warnings (not fatal)", "", ...verdict.warnings.map((w) => `- ${w}`), "");
  }
  if (report.harnessErrors.length > 0 || report.unhandledErrors.length > 0) {
    out.push(
      "## Errors outside the tests",
      "",
      fence([...report.harnessErrors, ...report.unhandledErrors].join("\n")),
      "",
    );
  }
  const failed = report.tests.filter((t) => t.status === "fail" || t.status === "timeout");
  if (failed.length > 0) out.push("## Failures", "", ...failures(failed));
  const open = report.clauses.filter((c) => c.status === "fail" || c.status === "skipped");
  if (open.length > 0) {
    out.push(
      "## Clauses not passed",
      "",
      "| clause | level | status | pass | fail | timeout | unsupported | skipped |",
    );
    out.push("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |");
    for (const c of open) {
      const n = c.counts;
      out.push(
        `| ${c.id} | ${c.level} | ${c.status} | ${n.pass} | ${n.fail} | ${n.timeout} | ${n.unsupported} | ${n.skipped} |`,
      );
    }
    out.push("");
  }
  for (const [status, heading] of [
    ["unsupported", "Clauses unsupported by this driver's manifest"],
    ["untested", "Clauses without a test"],
  ] as const) {
    const ids = report.clauses.filter((c) => c.status === status).map((c) => c.id);
    if (ids.length > 0) out.push(`## ${heading}`, "", ids.join(", "), "");
  }
  const byReason = new Map<string, number>();
  for (const t of report.tests) {
    if (t.status === "unsupported" || t.status === "skipped") {
      const reason = t.reason ?? t.status;
      byReason.set(reason, (byReason.get(reason) ?? 0) + 1);
    }
  }
  if (byReason.size > 0) {
    out.push("## Not run", "", "| tests | reason |", "| ---: | --- |");
    for (const [reason, n] of byReason) out.push(`| ${n} | ${cell(reason)} |`);
    out.push("");
  }
  const leaky = report.tests.filter((t) => t.leaks?.length);
  if (leaky.length > 0) {
    out.push("## Left open after the test (closed by the harness)", "");
    for (const t of leaky) {
      out.push(
        `- \`${t.id}\`: ${t.leaks!.map((l) => `${l.count} ${l.kind}${l.count === 1 ? "" : "s"}`).join(", ")}`,
      );
    }
    out.push("");
  }
  return out.join("\n");
}

/** Writes `summary.md`. */
export function createMarkdownReporter(): ReportWriter {
  return { fileName: "summary.md", render: renderMarkdown };
}

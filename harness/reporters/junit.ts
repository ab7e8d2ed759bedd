/**
 * The JUnit XML reporter: one `<testsuite>` per suite, one `<testcase>` per test and cell, with
 * the clause and cell as properties. Timeouts are failures of type "timeout"; unsupported and
 * skipped tests are `<skipped>` with their reason. A last suite, `driver-cert`, holds one
 * testcase, `certification`: it passes when the run certifies, is skipped for a partial run,
 * and otherwise fails listing why (so CI never shows green for an uncertified driver).
 */
import type { CertificationReport, TestResult } from "../report/model.ts";
import type { ReportWriter } from "./types.ts";

// XML 1.0 allows tab, LF, CR and characters from U+0020 up; anything else is dropped.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Escapes text for an XML attribute or text node. */
export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML, "")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function cellText(test: TestResult): string {
  return `client=${test.cell.client},transport=${test.cell.transport},encoding=${test.cell.encoding}`;
}

function testcase(test: TestResult): string {
  const lines = [
    `    <testcase name="${escapeXml(`${test.id}: ${test.title}`)}" classname="driver-cert.${escapeXml(test.suite)}" time="${seconds(test.durationMs)}">`,
    "      <properties>",
    `        <property name="clause" value="${escapeXml(test.clause)}"/>`,
    `        <property name="clauseLevel" value="${test.clauseLevel}"/>`,
    `        <property name="cell" value="${cellText(test)}"/>`,
    `        <property name="status" value="${test.status}"/>`,
    "      </properties>",
  ];
  if (test.status === "fail" || test.status === "timeout") {
    const message = test.error?.message ?? test.status;
    const type = test.status === "timeout" ? "timeout" : (test.error?.code ?? "fail");
    lines.push(
      `      <failure message="${escapeXml(message.split("\n")[0])}" type="${escapeXml(type)}">${escapeXml(message)}</failure>`,
    );
  } else if (test.status === "unsupported" || test.status === "skipped") {
    lines.push(`      <skipped message="${escapeXml(test.reason ?? test.status)}"/>`);
  }
  const output = [
    ...(test.leaks?.length
      ? [`left open: ${test.leaks.map((l) => `${l.count} ${l.kind}`).join(", ")}`]
      : []),
    ...(test.logs ?? []),
  ];
  if (output.length > 0)
    lines.push(`      <system-out>${escapeXml(output.join("\n"))}</system-out>`);
  lines.push("    </testcase>");
  return lines.join("\n");
}

/** The `driver-cert` / `certification` testcase: the level, as a test CI can see fail. */
function certificationCase(report: CertificationReport): { xml: string; status: string } {
  const { level } = report;
  const lines = [
    `    <testcase name="certification" classname="driver-cert" time="${seconds(report.run.durationMs)}">`,
    "      <properties>",
    `        <property name="level" value="${escapeXml(level.name)}"/>`,
    "      </properties>",
  ];
  let status = "pass";
  if (!level.certified && report.run.partial) {
    status = "skipped";
    lines.push(`      <skipped message="${escapeXml(level.reasons.join("; "))}"/>`);
  } else if (!level.certified) {
    status = "fail";
    const reasons = level.reasons.length > 0 ? level.reasons : ["no reason recorded"];
    const message = `not certified: ${reasons[0]}${reasons.length > 1 ? ` (+${reasons.length - 1} more)` : ""}`;
    lines.push(
      `      <failure message="${escapeXml(message)}" type="not_certified">${escapeXml(reasons.map((r) => `- ${r}`).join("\n"))}</failure>`,
    );
  }
  if (level.warnings.length > 0) {
    lines.push(
      `      <system-out>${escapeXml(level.warnings.map((w) => `warning: ${w}`).join("\n"))}</system-out>`,
    );
  }
  lines.push("    </testcase>");
  return { xml: lines.join("\n"), status };
}

/** Renders the report as JUnit XML. */
export function renderJunit(report: CertificationReport): string {
  const suites = new Map<string, TestResult[]>();
  for (const test of report.tests)
    suites.set(test.suite, [...(suites.get(test.suite) ?? []), test]);
  const count = (tests: TestResult[], ...statuses: string[]) =>
    tests.filter((t) => statuses.includes(t.status)).length;
  const total = (tests: TestResult[]) => seconds(tests.reduce((sum, t) => sum + t.durationMs, 0));
  const certification = certificationCase(report);
  const failed = certification.status === "fail" ? 1 : 0;
  const skipped = certification.status === "skipped" ? 1 : 0;
  const out = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${escapeXml(`driver-cert: ${report.driver.name} (${report.level.name})`)}" tests="${report.tests.length + 1}" failures="${count(report.tests, "fail", "timeout") + failed}" errors="${report.harnessErrors.length}" skipped="${count(report.tests, "unsupported", "skipped") + skipped}" time="${seconds(report.run.durationMs)}" timestamp="${report.run.startedAt}">`,
  ];
  for (const [name, tests] of suites) {
    out.push(
      `  <testsuite name="${escapeXml(name)}" tests="${tests.length}" failures="${count(tests, "fail", "timeout")}" errors="0" skipped="${count(tests, "unsupported", "skipped")}" time="${total(tests)}" timestamp="${report.run.startedAt}">`,
      ...tests.map(testcase),
      "  </testsuite>",
    );
  }
  out.push(
    `  <testsuite name="driver-cert" tests="1" failures="${failed}" errors="0" skipped="${skipped}" time="${seconds(report.run.durationMs)}" timestamp="${report.run.startedAt}">`,
    certification.xml,
    "  </testsuite>",
    "</testsuites>",
    "",
  );
  return out.join("\n");
}

/** Writes `junit.xml`. */
export function createJunitReporter(): ReportWriter {
  return { fileName: "junit.xml", render: renderJunit };
}

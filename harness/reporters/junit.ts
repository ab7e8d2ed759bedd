/**
 * The JUnit XML reporter, built with fast-xml-parser's XMLBuilder (which escapes markup): one
 * `<testsuite>` per suite, one `<testcase>` per test and cell, with the clause, cell, status and
 * verdict as properties. It carries the report's one verdict:
 *
 * - a failed MUST test is a `<failure>` (type "timeout" for a timeout);
 * - a failed SHOULD test is a warning, as everywhere: no `<failure>`, a `verdict=warning`
 *   property and the warning with its error in `<system-err>`;
 * - a test listed in `--expectations` that failed is `<skipped>` ("expected failure: ...");
 * - unsupported and skipped tests are `<skipped>` with their reason.
 *
 * A last suite, `driver-cert`, holds one testcase, `certification`: it fails when the verdict's
 * gate does (listing the reasons), is an `<error>` when the driver did not load or start or the
 * harness broke, is skipped for a partial run that passed, and passes otherwise, with the
 * warnings in `<system-out>`. So the XML has a failure exactly when the exit code is not 0.
 */
import { XMLBuilder } from "fast-xml-parser";
import { isFailure } from "../report/assemble.ts";
import type { CertificationReport, TestResult } from "../report/model.ts";
import type { ReportWriter } from "./types.ts";

// XML 1.0 allows tab, LF, CR and characters from U+0020 up; anything else is dropped.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters removed.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Removes the characters XML 1.0 cannot carry (the builder escapes markup itself). */
export function xmlText(text: string): string {
  return text.replace(INVALID_XML, "");
}

type XmlNode = Record<string, unknown>;

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

function properties(values: Record<string, string>): XmlNode {
  return {
    property: Object.entries(values).map(([name, value]) => ({
      "@_name": name,
      "@_value": xmlText(value),
    })),
  };
}

/** How a test counts in JUnit: a failure, a skip, or a pass (possibly with a warning). */
function junitKind(test: TestResult): "failure" | "skipped" | "warning" | "pass" {
  if (isFailure(test.status)) {
    if (test.expectation === "expected-fail") return "skipped";
    return test.clauseLevel === "SHOULD" ? "warning" : "failure";
  }
  if (test.status === "unsupported" || test.status === "skipped") return "skipped";
  return "pass";
}

function errorText(test: TestResult): string {
  const e = test.error;
  return [
    e?.code ? `[${e.code}] ${e.message}` : (e?.message ?? test.status),
    e?.step ? `step: ${e.step}` : "",
    e?.expected !== undefined ? `expected: ${e.expected}` : "",
    e?.actual !== undefined ? `actual: ${e.actual}` : "",
    e?.location ? `at: ${e.location}` : "",
    test.flaky ? `flaky: ${(test.attempts ?? []).join(", ")}` : "",
    test.rerun ? `rerun: ${test.rerun}` : "",
  ]
    .filter(Boolean)
    .join("\n");
}

function testcase(test: TestResult): XmlNode {
  const kind = junitKind(test);
  const node: XmlNode = {
    "@_name": xmlText(`${test.id}: ${test.title}`),
    "@_classname": xmlText(`driver-cert.${test.suite}`),
    "@_time": seconds(test.durationMs),
    properties: properties({
      clause: test.clause,
      clauseLevel: test.clauseLevel,
      cell: `client=${test.cell.client},transport=${test.cell.transport},encoding=${test.cell.encoding}`,
      status: test.status,
      verdict: kind === "warning" ? "warning" : kind === "failure" ? "fail" : "pass",
      ...(test.expectation ? { expectation: test.expectation } : {}),
      ...(test.flaky ? { flaky: "true" } : {}),
    }),
  };
  const firstLine = (test.error?.message ?? test.status).split("\n")[0];
  if (kind === "failure") {
    node.failure = {
      "@_message": xmlText(firstLine),
      "@_type": xmlText(test.status === "timeout" ? "timeout" : (test.error?.code ?? "fail")),
      "#text": xmlText(errorText(test)),
    };
  } else if (kind === "skipped") {
    const message =
      test.expectation === "expected-fail"
        ? `expected failure (listed in the expectations file): ${firstLine}`
        : (test.reason ?? test.status);
    node.skipped = { "@_message": xmlText(message) };
  }
  const output = [
    ...(test.expectation === "unexpected-pass"
      ? ["unexpected pass: listed in the expectations file but passed"]
      : []),
    ...(test.leaks?.length
      ? [`left open: ${test.leaks.map((l) => `${l.count} ${l.kind}`).join(", ")}`]
      : []),
    ...(test.logs ?? []),
  ];
  if (output.length > 0) node["system-out"] = xmlText(output.join("\n"));
  if (kind === "warning") {
    node["system-err"] = xmlText(
      `warning: SHOULD ${test.clause} failed (not fatal)\n${errorText(test)}`,
    );
  }
  return node;
}

/** The `driver-cert` / `certification` testcase: the verdict, as a test CI can see fail. */
function certificationCase(report: CertificationReport): { node: XmlNode; kind: string } {
  const { level, verdict } = report;
  const node: XmlNode = {
    "@_name": "certification",
    "@_classname": "driver-cert",
    "@_time": seconds(report.run.durationMs),
    properties: properties({
      level: level.name,
      verdict: verdict.gate,
      exitCode: String(verdict.exitCode),
    }),
  };
  const reasons = verdict.reasons.length > 0 ? verdict.reasons : level.reasons;
  const first = `${reasons[0] ?? "no reason recorded"}${reasons.length > 1 ? ` (+${reasons.length - 1} more)` : ""}`;
  const body = xmlText(reasons.map((r) => `- ${r}`).join("\n"));
  let kind = "pass";
  if (verdict.gate === "error") {
    kind = "error";
    const type = report.startError?.code ?? "harness_error";
    node.error = { "@_message": xmlText(first), "@_type": type, "#text": body };
  } else if (verdict.gate === "fail" || verdict.gate === "interrupted") {
    kind = "failure";
    const type = verdict.gate === "interrupted" ? "interrupted" : "not_certified";
    const prefix =
      verdict.gate === "interrupted" ? "" : report.run.partial ? "failed: " : "not certified: ";
    node.failure = { "@_message": xmlText(`${prefix}${first}`), "@_type": type, "#text": body };
  } else if (report.run.partial || !level.certified) {
    kind = "skipped";
    node.skipped = { "@_message": xmlText(level.reasons.join("; ")) };
  }
  if (verdict.warnings.length > 0) {
    node["system-out"] = xmlText(verdict.warnings.map((w) => `warning: ${w}`).join("\n"));
  }
  return { node, kind };
}

/** Renders the report as JUnit XML. */
export function renderJunit(report: CertificationReport): string {
  const suites = new Map<string, TestResult[]>();
  for (const test of report.tests)
    suites.set(test.suite, [...(suites.get(test.suite) ?? []), test]);
  const count = (tests: TestResult[], kind: string) =>
    tests.filter((t) => junitKind(t) === kind).length;
  const total = (tests: TestResult[]) => seconds(tests.reduce((sum, t) => sum + t.durationMs, 0));
  const certification = certificationCase(report);
  const is = (kind: string) => (certification.kind === kind ? 1 : 0);
  const stamp = report.run.startedAt;
  const warnings = report.verdict.warnings.length;
  const name = `driver-cert: ${report.driver.name} (${report.level.name}; verdict ${report.verdict.gate}${warnings ? `, ${warnings} warning(s)` : ""})`;
  const document = {
    "?xml": { "@_version": "1.0", "@_encoding": "UTF-8" },
    testsuites: {
      "@_name": xmlText(name),
      "@_tests": report.tests.length + 1,
      "@_failures": count(report.tests, "failure") + is("failure"),
      "@_errors": is("error"),
      "@_skipped": count(report.tests, "skipped") + is("skipped"),
      "@_time": seconds(report.run.durationMs),
      "@_timestamp": stamp,
      testsuite: [
        ...[...suites].map(([suite, tests]) => ({
          "@_name": xmlText(suite),
          "@_tests": tests.length,
          "@_failures": count(tests, "failure"),
          "@_errors": 0,
          "@_skipped": count(tests, "skipped"),
          "@_time": total(tests),
          "@_timestamp": stamp,
          testcase: tests.map(testcase),
        })),
        {
          "@_name": "driver-cert",
          "@_tests": 1,
          "@_failures": is("failure"),
          "@_errors": is("error"),
          "@_skipped": is("skipped"),
          "@_time": seconds(report.run.durationMs),
          "@_timestamp": stamp,
          testcase: [certification.node],
        },
      ],
    },
  };
  const builder = new XMLBuilder({
    ignoreAttributes: false,
    attributeNamePrefix: "@_",
    format: true,
    indentBy: "  ",
    suppressEmptyNode: true,
  });
  return `${builder.build(document).trimEnd()}\n`;
}

/** Writes `junit.xml`. */
export function createJunitReporter(): ReportWriter {
  return { fileName: "junit.xml", render: renderJunit };
}

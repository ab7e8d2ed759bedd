/**
 * GitHub Actions workflow commands for a report (written when GITHUB_ACTIONS is "true"): one
 * `::error` per failed MUST test naming its clause and id, with the suite file and line so the
 * annotation lands on the code; `::warning` for what does not fail the gate (a failed SHOULD
 * clause, an expected failure that is flaky, an unexpected pass, a stale expectation); `::error`
 * for a driver that did not start and for errors outside the tests; a `::notice` with the verdict.
 * Format: https://docs.github.com/actions/reference/workflow-commands-for-github-actions
 */
import { isFailure } from "../report/assemble.ts";
import type { CertificationReport, TestResult } from "../report/model.ts";

/** Escapes a command's message (`%`, CR, LF). */
function data(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

/** Escapes a command property's value (the message escapes plus `:` and `,`). */
function property(text: string): string {
  return data(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

function command(
  kind: "error" | "warning" | "notice",
  title: string,
  message: string,
  where?: string,
): string {
  const props = [`title=${property(title)}`];
  const at = where ? /^(.*):(\d+)$/.exec(where) : null;
  if (at) props.unshift(`file=${property(at[1])}`, `line=${at[2]}`);
  return `::${kind} ${props.join(",")}::${data(message)}`;
}

function testCommand(test: TestResult): string {
  const fatal = test.clauseLevel === "MUST" && test.expectation !== "expected-fail";
  const note =
    test.expectation === "expected-fail"
      ? " (expected failure)"
      : test.clauseLevel === "SHOULD"
        ? " (SHOULD: warning)"
        : "";
  const lines = [
    `${test.status === "timeout" ? "timeout" : "fail"}: ${test.id}${note}`,
    test.error?.step ? `step: ${test.error.step}` : "",
    test.error?.message ?? "",
    test.error?.expected !== undefined ? `expected: ${test.error.expected}` : "",
    test.error?.actual !== undefined ? `actual: ${test.error.actual}` : "",
    test.rerun ? `rerun: ${test.rerun}` : "",
  ].filter(Boolean);
  return command(
    fatal ? "error" : "warning",
    `${test.clause} ${test.id}`,
    lines.join("\n"),
    test.error?.location ?? test.source,
  );
}

/** The workflow commands for `report`, one per line. */
export function githubAnnotations(report: CertificationReport): string {
  const out: string[] = [];
  if (report.startError)
    out.push(command("error", "driver-cert: driver did not start", report.startError.message));
  for (const error of [...report.harnessErrors, ...report.unhandledErrors]) {
    out.push(command("error", "driver-cert: error outside the tests", error));
  }
  for (const test of report.tests) if (isFailure(test.status)) out.push(testCommand(test));
  for (const id of report.expectations?.unexpectedPasses ?? []) {
    out.push(
      command(
        "warning",
        `unexpected pass ${id}`,
        `${id} is listed in ${report.expectations!.file} but passed`,
      ),
    );
  }
  for (const id of report.expectations?.staleEntries ?? []) {
    out.push(command("warning", `stale expectation ${id}`, `${id} names no test of this run`));
  }
  const { verdict } = report;
  out.push(
    command(
      verdict.gate === "pass" ? "notice" : "error",
      `driver-cert: ${report.driver.name}`,
      `${report.level.name}; verdict ${verdict.gate} (exit ${verdict.exitCode})` +
        (verdict.reasons.length ? `\n${verdict.reasons.join("\n")}` : ""),
    ),
  );
  return `${out.join("\n")}\n`;
}

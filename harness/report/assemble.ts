/**
 * From test results to a whole report: the summary per clause, the counts, the certification
 * level and the verdict. Used for a run (report/build.ts, after the plan became results) and
 * for `driver-cert merge` (report/merge.ts, over the results of several shards), so both decide
 * alike.
 */
import { CAPABILITY_NAMES, CONTRACT_VERSION } from "../../runtime/driver/index.ts";
import { CLAUSES } from "../clauses.ts";
import type {
  CertificationReport,
  ClauseSummary,
  TestResult,
  TestStatus,
  Verdict,
} from "./model.ts";
import { REPORT_SCHEMA_VERSION } from "./model.ts";

/** Everything of a report that is not derived from its tests. */
export interface ReportHeader {
  toolVersion: string;
  driver: CertificationReport["driver"];
  run: CertificationReport["run"];
  harnessErrors: readonly string[];
  unhandledErrors: readonly string[];
  startError?: CertificationReport["startError"];
  /** The expectations file's name, when the run had one; results carry `expectation`. */
  expectationsFile?: string;
  /** Expectation entries that named no test of the run. */
  staleEntries?: readonly string[];
}

/** True for a status that counts as a failure (`fail`, `timeout`). */
export function isFailure(status: TestStatus): boolean {
  return status === "fail" || status === "timeout";
}

/** Zero for each status. */
export function emptyCounts(): Record<TestStatus, number> {
  return { pass: 0, fail: 0, unsupported: 0, skipped: 0, timeout: 0 };
}

function summarizeClauses(tests: readonly TestResult[]): ClauseSummary[] {
  return CLAUSES.map((clause) => {
    const counts = emptyCounts();
    const cases = tests.filter((t) => t.clause === clause.id);
    const applicable = cases.filter((t) => t.skipKind !== "not-applicable");
    for (const t of cases) counts[t.status] += 1;
    let status: ClauseSummary["status"];
    if (counts.fail + counts.timeout > 0) status = "fail";
    else if (cases.length === 0) status = "untested";
    else if (applicable.length === 0) status = "skipped";
    else if (applicable.every((t) => t.status === "unsupported")) status = "unsupported";
    else if (applicable.some((t) => t.status === "skipped")) status = "skipped";
    else status = "pass";
    return {
      id: clause.id,
      level: clause.level,
      capabilities: [...clause.capabilities],
      text: clause.text,
      status,
      counts,
    };
  });
}

function firstIds(tests: readonly TestResult[]): string {
  const ids = tests.map((t) => t.id);
  return ids.length > 1 ? `${ids[0]} (+${ids.length - 1} more)` : (ids[0] ?? "");
}

/**
 * The MUST clauses a full run leaves without a test: no test of `clauseIds` (the clauses the
 * plan's cases cite, selected or not) cites them although `capabilities` covers what they need.
 * Each is a reason a run is not certified ("MUST <id> has no test"). Ids in CONTRACT order.
 */
export function untestedMust(clauseIds: ReadonlySet<string>, capabilities: object): string[] {
  const declared = capabilities as Readonly<Record<string, boolean | undefined>>;
  return CLAUSES.filter(
    (clause) =>
      clause.level === "MUST" &&
      !clauseIds.has(clause.id) &&
      clause.capabilities.every((c) => declared[c]),
  ).map((clause) => clause.id);
}

/**
 * The verdict of a report (docs: harness/README.md, "One verdict"): a failed SHOULD clause, an
 * expected failure, an unexpected pass and a stale expectation are warnings; a MUST test that
 * failed unexpectedly, an error outside the tests, and on a full run a MUST clause without a test
 * or that did not run, fail the gate.
 */
export function decideVerdict(report: Omit<CertificationReport, "verdict">): Verdict {
  if (report.startError) {
    return { gate: "error", exitCode: 2, reasons: [report.startError.message], warnings: [] };
  }
  const warnings: string[] = [];
  const reasons: string[] = [];
  const byClause = new Map<string, TestResult[]>();
  for (const t of report.tests) {
    if (!isFailure(t.status) || t.expectation === "expected-fail") continue;
    byClause.set(t.clause, [...(byClause.get(t.clause) ?? []), t]);
  }
  for (const clause of report.clauses) {
    const failed = byClause.get(clause.id);
    if (!failed) continue;
    const line = `${clause.level} ${clause.id} failed: ${firstIds(failed)}`;
    (clause.level === "MUST" ? reasons : warnings).push(line);
  }
  if (!report.run.partial) {
    for (const reason of report.level.reasons) {
      if (/^MUST \S+ (has no test|did not run)/.test(reason)) reasons.push(reason);
    }
  }
  if (report.unhandledErrors.length > 0)
    reasons.push(`${report.unhandledErrors.length} error(s) were thrown outside any test`);
  for (const t of report.tests) {
    if (t.flaky) warnings.push(`flaky: ${t.id} (${(t.attempts ?? []).join(", ")})`);
  }
  const e = report.expectations;
  if (e) {
    if (e.expectedFailures.length > 0)
      warnings.push(`${e.expectedFailures.length} expected failure(s) listed in ${e.file}`);
    for (const id of e.unexpectedPasses)
      warnings.push(`unexpected pass: ${id} is listed in ${e.file} but passed`);
    for (const id of e.staleEntries)
      warnings.push(`stale entry in ${e.file}: ${id} names no test of this run`);
  }
  if (report.run.interrupted) {
    const done = report.tests.filter((t) => t.status === "pass" || isFailure(t.status)).length;
    return {
      gate: "interrupted",
      exitCode: 130,
      reasons: [`interrupted (SIGINT) after ${done} test(s) finished`, ...reasons],
      warnings,
    };
  }
  if (report.harnessErrors.length > 0) {
    return {
      gate: "error",
      exitCode: 2,
      reasons: [`the harness broke: ${report.harnessErrors[0]}`, ...reasons],
      warnings,
    };
  }
  return {
    gate: reasons.length > 0 ? "fail" : "pass",
    exitCode: reasons.length > 0 ? 1 : 0,
    reasons,
    warnings,
  };
}

/** Assembles the report from its header and test results (in plan order). Pure. */
export function assembleReport(
  header: ReportHeader,
  tests: readonly TestResult[],
): CertificationReport {
  const clauses = summarizeClauses(tests);
  const counts = { total: tests.length, ...emptyCounts() };
  for (const t of tests) counts[t.status] += 1;
  const harnessErrors = [...header.harnessErrors];
  const unhandledErrors = [...header.unhandledErrors];
  const capabilities = header.driver.capabilities;
  const partial = header.run.partial;
  const untested = new Set(
    partial || !capabilities ? [] : untestedMust(new Set(tests.map((t) => t.clause)), capabilities),
  );
  const reasons: string[] = [];
  const warnings: string[] = [];
  if (header.startError) reasons.push(header.startError.message);
  if (harnessErrors.length > 0) reasons.push(`the harness broke: ${harnessErrors[0]}`);
  if (header.run.interrupted) reasons.push("the run was interrupted (SIGINT)");
  if (partial) reasons.push(`partial run (${header.run.filters}): certification needs a full run`);
  if (unhandledErrors.length > 0)
    reasons.push(`${unhandledErrors.length} error(s) were thrown outside any test`);
  for (const clause of header.startError ? [] : clauses) {
    if (clause.status === "fail") {
      const failed = tests.filter((t) => t.clause === clause.id && isFailure(t.status));
      const line = `${clause.level} ${clause.id} failed: ${firstIds(failed)}`;
      (clause.level === "MUST" ? reasons : warnings).push(line);
    } else if (untested.has(clause.id)) {
      reasons.push(`MUST ${clause.id} has no test`);
    } else if (clause.level === "MUST" && clause.status === "skipped" && !partial) {
      const skipped = tests.filter((t) => t.clause === clause.id && t.status === "skipped");
      reasons.push(`MUST ${clause.id} did not run: ${firstIds(skipped)}`);
    }
  }
  const certified = reasons.length === 0;
  const declared = CAPABILITY_NAMES.filter(
    (c) => (capabilities as Record<string, boolean | undefined> | undefined)?.[c],
  );
  const file = header.expectationsFile;
  const body: Omit<CertificationReport, "verdict"> = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: "driver-cert", version: header.toolVersion },
    contractVersion: CONTRACT_VERSION,
    driver: header.driver,
    run: header.run,
    level: {
      certified,
      name: certified ? `certified (${["core", ...declared].join(" + ")})` : "not certified",
      reasons,
      warnings,
    },
    counts,
    tests: [...tests],
    clauses,
    harnessErrors,
    unhandledErrors,
    ...(header.startError ? { startError: header.startError } : {}),
    ...(file !== undefined
      ? {
          expectations: {
            file,
            expectedFailures: tests
              .filter((t) => t.expectation === "expected-fail")
              .map((t) => t.id),
            unexpectedPasses: tests
              .filter((t) => t.expectation === "unexpected-pass")
              .map((t) => t.id),
            staleEntries: [...(header.staleEntries ?? [])],
          },
        }
      : {}),
  };
  return { ...body, verdict: decideVerdict(body) };
}

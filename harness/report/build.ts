/**
 * Builds the certification report from the plan and the runner's outcomes: one entry per
 * planned case (in plan order), a summary per clause, counts, and the certification level.
 */
import { CAPABILITY_NAMES, CONTRACT_VERSION } from "../../runtime/driver/index.ts";
import { CLAUSES } from "../clauses.ts";
import { describeFilters, type Plan, type PlannedCase } from "../matrix.ts";
import { NOT_RUN_AFTER_BAIL } from "../run/bail-signal.ts";
import {
  type CertificationReport,
  type ClauseSummary,
  REPORT_SCHEMA_VERSION,
  type TestResult,
  type TestStatus,
} from "./model.ts";

/** What the runner observed for one case (the collector's output). */
export interface CaseOutcome {
  id: string;
  status: TestStatus;
  durationMs: number;
  error?: { code?: string; message: string };
  reason?: string;
  leaks?: TestResult["leaks"];
  logs?: string[];
  /** The failure is the harness's own (exit code 2). */
  harnessError?: boolean;
}

export interface BuildInput {
  plan: Plan;
  outcomes: ReadonlyMap<string, CaseOutcome>;
  toolVersion: string;
  driverModule?: string;
  startedAt: Date;
  finishedAt: Date;
  bail: boolean;
  harnessErrors?: readonly string[];
  unhandledErrors?: readonly string[];
  /** The run's seed (harness/seed.ts), when the run had one. */
  seed?: number;
}

function resultFor(
  planned: PlannedCase,
  outcome: CaseOutcome | undefined,
  input: BuildInput,
): TestResult {
  const base = {
    id: planned.id,
    suite: planned.test.suite,
    title: planned.test.title,
    clause: planned.test.clause.id,
    clauseLevel: planned.test.clause.level,
    cell: { ...planned.cell },
    axes: [...planned.test.axes],
  };
  if (planned.status !== "run")
    return { ...base, status: planned.status, durationMs: 0, reason: planned.reason };
  if (!outcome) {
    const reason = input.bail
      ? NOT_RUN_AFTER_BAIL
      : "not run: the runner reported no result for this test";
    return { ...base, status: "skipped", durationMs: 0, reason };
  }
  const result: TestResult = {
    ...base,
    status: outcome.status,
    durationMs: Math.max(0, outcome.durationMs),
  };
  if (outcome.error) result.error = outcome.error;
  if (outcome.reason) result.reason = outcome.reason;
  if (outcome.leaks?.length) result.leaks = outcome.leaks;
  if (outcome.logs?.length && (outcome.status === "fail" || outcome.status === "timeout"))
    result.logs = outcome.logs;
  return result;
}

function emptyCounts(): Record<TestStatus, number> {
  return { pass: 0, fail: 0, unsupported: 0, skipped: 0, timeout: 0 };
}

function summarizeClauses(plan: Plan, tests: readonly TestResult[]): ClauseSummary[] {
  const notApplicable = new Set(
    plan.cases.filter((c) => c.skipKind === "not-applicable").map((c) => c.id),
  );
  return CLAUSES.map((clause) => {
    const counts = emptyCounts();
    const cases = tests.filter((t) => t.clause === clause.id);
    const applicable = cases.filter((t) => !notApplicable.has(t.id));
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

function firstIds(
  tests: readonly TestResult[],
  clause: string,
  statuses: readonly TestStatus[],
): string {
  const ids = tests
    .filter((t) => t.clause === clause && statuses.includes(t.status))
    .map((t) => t.id);
  return ids.length > 1 ? `${ids[0]} (+${ids.length - 1} more)` : (ids[0] ?? "");
}

/**
 * The MUST clauses an unfiltered run of `plan` would leave without a test: no planned case cites
 * them although the driver declares every capability they need. Each is a reason the run is not
 * certified ("MUST <id> has no test"); a partial run never reports them. Ids in CONTRACT order.
 */
export function untestedMustClauses(plan: Plan): string[] {
  if (plan.partial) return [];
  const cited = new Set(plan.cases.map((c) => c.test.clause.id));
  return CLAUSES.filter(
    (clause) =>
      clause.level === "MUST" &&
      !cited.has(clause.id) &&
      clause.capabilities.every((c) => plan.capabilities[c as keyof typeof plan.capabilities]),
  ).map((clause) => clause.id);
}

/** Builds the report; pure apart from reading the clause list. */
export function buildReport(input: BuildInput): CertificationReport {
  const { plan } = input;
  const tests = plan.cases.map((c) => resultFor(c, input.outcomes.get(c.id), input));
  const harnessErrors = [...(input.harnessErrors ?? [])];
  const missing = plan.cases.filter((c) => c.status === "run" && !input.outcomes.has(c.id));
  if (missing.length > 0 && !input.bail) {
    harnessErrors.push(
      `the runner reported no result for ${missing.length} test(s), first ${missing[0].id}`,
    );
  }
  for (const [id, outcome] of input.outcomes) {
    if (outcome.harnessError)
      harnessErrors.push(`${id}: ${outcome.error?.message ?? "harness error"}`);
  }
  const unhandledErrors = [...(input.unhandledErrors ?? [])];
  const clauses = summarizeClauses(plan, tests);
  const counts = { total: tests.length, ...emptyCounts() };
  for (const t of tests) counts[t.status] += 1;

  const reasons: string[] = [];
  const warnings: string[] = [];
  const untested = new Set(untestedMustClauses(plan));
  if (harnessErrors.length > 0) reasons.push(`the harness broke: ${harnessErrors[0]}`);
  if (plan.partial)
    reasons.push(`partial run (${describeFilters(plan.filters)}): certification needs a full run`);
  if (unhandledErrors.length > 0)
    reasons.push(`${unhandledErrors.length} error(s) were thrown outside any test`);
  for (const clause of clauses) {
    if (clause.status === "fail") {
      const line = `${clause.level} ${clause.id} failed: ${firstIds(tests, clause.id, ["fail", "timeout"])}`;
      (clause.level === "MUST" ? reasons : warnings).push(line);
    } else if (untested.has(clause.id)) {
      reasons.push(`MUST ${clause.id} has no test`);
    } else if (clause.level === "MUST" && clause.status === "skipped" && !plan.partial) {
      reasons.push(`MUST ${clause.id} did not run: ${firstIds(tests, clause.id, ["skipped"])}`);
    }
  }
  const certified = reasons.length === 0;
  const declared = CAPABILITY_NAMES.filter((c) => plan.capabilities[c]);
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    tool: { name: "driver-cert", version: input.toolVersion },
    contractVersion: CONTRACT_VERSION,
    driver: {
      name: plan.driverName,
      ...(input.driverModule ? { module: input.driverModule } : {}),
      capabilities: { ...plan.capabilities },
    },
    run: {
      startedAt: input.startedAt.toISOString(),
      finishedAt: input.finishedAt.toISOString(),
      durationMs: Math.max(0, input.finishedAt.getTime() - input.startedAt.getTime()),
      filters: describeFilters(plan.filters),
      partial: plan.partial,
      bail: input.bail,
      ...(input.seed !== undefined ? { seed: input.seed } : {}),
    },
    level: {
      certified,
      name: certified ? `certified (${["core", ...declared].join(" + ")})` : "not certified",
      reasons,
      warnings,
    },
    counts,
    tests,
    clauses,
    harnessErrors,
    unhandledErrors,
  };
}

/** True when a MUST clause's test failed or timed out (exit code 1 even on a partial run). */
export function hasRequiredFailure(report: CertificationReport): boolean {
  return report.tests.some(
    (t) => t.clauseLevel === "MUST" && (t.status === "fail" || t.status === "timeout"),
  );
}

/**
 * Builds the certification report of a run from the plan and the runner's outcomes: one result
 * per planned case (in plan order) with its failure details and a rerun command, matched against
 * the run's expectations, then summarized by report/assemble.ts.
 */
import { relative } from "node:path";
import { describeFilters, type Plan, type PlannedCase } from "../matrix.ts";
import { NOT_RUN_AFTER_BAIL } from "../run/bail-signal.ts";
import { assembleReport, isFailure, untestedMust } from "./assemble.ts";
import { applyExpectations, type Expectations } from "./expectations.ts";
import type { CertificationReport, Failure, TestResult, TestStatus } from "./model.ts";

/** The reason of a case that had not finished when Ctrl-C stopped the run. */
export const NOT_RUN_AFTER_INTERRUPT = "not run: the run was interrupted (SIGINT)";

/** What the runner observed for one case (the collector's output). */
export interface CaseOutcome {
  id: string;
  status: TestStatus;
  durationMs: number;
  error?: Failure;
  /** Stack frames of the error as `file:line`, innermost first, to find the suite line. */
  frames?: string[];
  /** Where the test is declared, as the worker that ran it saw it (`file:line`). */
  source?: string;
  reason?: string;
  leaks?: TestResult["leaks"];
  logs?: string[];
  /** The failure is the harness's own (exit code 2). */
  harnessError?: boolean;
  /** `--repeat`: the status of each attempt, in order. */
  attempts?: TestStatus[];
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
  /** Ctrl-C stopped the run: cases without an outcome are skipped, not a harness error. */
  interrupted?: boolean;
  /** `--repeat N`. */
  repeat?: number;
  /** `--expectations`: the parsed file. */
  expectations?: Expectations;
  /** The command line that reruns one test, for failed tests. */
  rerun?: (id: string) => string;
  /** Base for shown source paths; default process.cwd(). */
  cwd?: string;
}

function shown(cwd: string, fileAndLine: string): string {
  const rel = relative(cwd, fileAndLine);
  return rel.startsWith("..") ? fileAndLine : rel;
}

/**
 * The suite line of a failure: the innermost stack frame in the test's own file at or below the
 * line that declares it (its body), else the declaration itself.
 */
function failureLocation(
  source: string | undefined,
  frames: readonly string[] = [],
): string | undefined {
  if (!source) return undefined;
  const split = (at: string) =>
    [at.slice(0, at.lastIndexOf(":")), Number(at.slice(at.lastIndexOf(":") + 1))] as const;
  const [file, declared] = split(source);
  return (
    frames.find((f) => {
      const [frameFile, line] = split(f);
      return frameFile === file && line >= declared;
    }) ?? source
  );
}

/** What a report says of a case whatever happened: id, suite, title, clause, cell, axes. */
export function caseIdentity(planned: PlannedCase) {
  return {
    id: planned.id,
    suite: planned.test.suite,
    title: planned.test.title,
    clause: planned.test.clause.id,
    clauseLevel: planned.test.clause.level,
    cell: { ...planned.cell },
    axes: [...planned.test.axes],
  };
}

function resultFor(
  planned: PlannedCase,
  outcome: CaseOutcome | undefined,
  input: BuildInput,
): TestResult {
  const cwd = input.cwd ?? process.cwd();
  const base: TestResult = {
    ...caseIdentity(planned),
    status: "skipped",
    durationMs: 0,
    ...(planned.test.source ? { source: shown(cwd, planned.test.source) } : {}),
  };
  if (planned.status !== "run") {
    const skipKind = planned.skipKind ? { skipKind: planned.skipKind } : {};
    return { ...base, status: planned.status, reason: planned.reason, ...skipKind };
  }
  if (!outcome) {
    const reason = input.interrupted
      ? NOT_RUN_AFTER_INTERRUPT
      : input.bail
        ? NOT_RUN_AFTER_BAIL
        : "not run: the runner reported no result for this test";
    return { ...base, reason };
  }
  const result: TestResult = {
    ...base,
    status: outcome.status,
    durationMs: Math.max(0, outcome.durationMs),
  };
  if (outcome.error) {
    const location = failureLocation(outcome.source ?? planned.test.source, outcome.frames);
    result.error = { ...outcome.error, ...(location ? { location: shown(cwd, location) } : {}) };
  }
  if (outcome.source) result.source = shown(cwd, outcome.source);
  if (outcome.reason) result.reason = outcome.reason;
  if (outcome.leaks?.length) result.leaks = outcome.leaks;
  if (outcome.logs?.length && isFailure(outcome.status)) result.logs = outcome.logs;
  if (outcome.attempts && outcome.attempts.length > 1) {
    result.attempts = outcome.attempts;
    if (new Set(outcome.attempts).size > 1) result.flaky = true;
  }
  if (isFailure(result.status) && input.rerun) result.rerun = input.rerun(planned.id);
  return result;
}

/**
 * The MUST clauses an unfiltered run of `plan` would leave without a test: no planned case cites
 * them although the driver declares every capability they need. Each is a reason the run is not
 * certified ("MUST <id> has no test"); a partial run never reports them. Ids in CONTRACT order.
 */
export function untestedMustClauses(plan: Plan): string[] {
  if (plan.partial) return [];
  return untestedMust(new Set(plan.cases.map((c) => c.test.clause.id)), plan.capabilities);
}

/** Builds the report; pure apart from reading the clause list. */
export function buildReport(input: BuildInput): CertificationReport {
  const { plan } = input;
  const planned = plan.cases.map((c) => resultFor(c, input.outcomes.get(c.id), input));
  const { tests, staleEntries } = input.expectations
    ? applyExpectations(planned, input.expectations)
    : { tests: planned, staleEntries: [] };
  const harnessErrors = [...(input.harnessErrors ?? [])];
  const missing = plan.cases.filter((c) => c.status === "run" && !input.outcomes.has(c.id));
  if (missing.length > 0 && !input.bail && !input.interrupted) {
    harnessErrors.push(
      `the runner reported no result for ${missing.length} test(s), first ${missing[0].id}`,
    );
  }
  for (const [id, outcome] of input.outcomes) {
    if (outcome.harnessError)
      harnessErrors.push(`${id}: ${outcome.error?.message ?? "harness error"}`);
  }
  const { shard } = plan.filters;
  return assembleReport(
    {
      toolVersion: input.toolVersion,
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
        ...(input.interrupted ? { interrupted: true } : {}),
        ...(shard ? { shard: { ...shard } } : {}),
        ...(input.repeat && input.repeat > 1 ? { repeat: input.repeat } : {}),
        ...(input.seed !== undefined ? { seed: input.seed } : {}),
      },
      harnessErrors,
      unhandledErrors: input.unhandledErrors ?? [],
      expectationsFile: input.expectations?.file,
      staleEntries,
    },
    tests,
  );
}

/** True when a MUST clause's test failed or timed out (exit code 1 even on a partial run). */
export function hasRequiredFailure(report: CertificationReport): boolean {
  return report.tests.some((t) => t.clauseLevel === "MUST" && isFailure(t.status));
}

import { describe, expect, test } from "vitest";
import { exitCodeFor } from "../certify.ts";
import { CLAUSES } from "../clauses.ts";
import { planRun } from "../matrix.ts";
import { defineSuite } from "../suite-api.ts";
import { buildReport, type CaseOutcome } from "./build.ts";
import { reportSchema } from "./model.ts";

const caps = { websocket: true, sse: true, schedule: true, durable: false };
const run = async () => {};

/** One test per clause, so a run can reach "certified". */
const everyClause = defineSuite("every", (s) => {
  for (const clause of CLAUSES)
    s.test({ id: clause.id.toLowerCase(), title: `checks ${clause.id}`, clause: clause.id, run });
});

function reportWith(outcome: (id: string) => Partial<CaseOutcome> | undefined, filters = {}) {
  const plan = planRun([everyClause], { driverName: "mem", capabilities: caps, filters });
  const outcomes = new Map<string, CaseOutcome>();
  for (const c of plan.cases) {
    if (c.status !== "run") continue;
    const o = outcome(c.id);
    if (o) outcomes.set(c.id, { id: c.id, status: "pass", durationMs: 3, ...o });
  }
  const at = new Date("2026-01-01T00:00:00Z");
  const report = buildReport({
    plan,
    outcomes,
    toolVersion: "0.0.0",
    startedAt: at,
    finishedAt: at,
    bail: false,
  });
  return reportSchema.parse(report);
}

describe("buildReport", () => {
  test("certifies when every MUST clause passed, naming the declared capabilities", () => {
    const report = reportWith(() => ({}));
    expect(report.level).toEqual({
      certified: true,
      name: "certified (core + websocket + sse + schedule + sleep)",
      reasons: [],
      warnings: [],
    });
    expect(report.tests.find((t) => t.clause === "RESTART-1")).toMatchObject({
      status: "unsupported",
      reason: 'unsupported: durable not declared by driver "mem"',
    });
    expect(report.clauses.find((c) => c.id === "RESTART-1")?.status).toBe("unsupported");
    expect(exitCodeFor({ kind: "run", plan: undefined as never, report, files: [] })).toBe(0);
  });

  test("a SHOULD failure is a warning; a MUST failure or timeout is not certified (exit 1)", () => {
    const should = reportWith((id) =>
      id === "every/mgr-8" ? { status: "fail", error: { message: "no region" } } : {},
    );
    expect(should.level.certified).toBe(true);
    expect(should.level.warnings).toEqual(["SHOULD MGR-8 failed: every/mgr-8"]);
    const must = reportWith((id) =>
      id === "every/mgr-4" ? { status: "timeout", error: { message: "late" } } : {},
    );
    expect(must.level.certified).toBe(false);
    expect(must.level.reasons).toEqual(["MUST MGR-4 failed: every/mgr-4"]);
    expect(must.counts.timeout).toBe(1);
    expect(exitCodeFor({ kind: "run", plan: undefined as never, report: must, files: [] })).toBe(1);
  });

  test("a test the runner never reported is a harness error (exit 2)", () => {
    const report = reportWith((id) => (id === "every/act-1" ? undefined : {}));
    expect(report.tests.find((t) => t.id === "every/act-1")?.status).toBe("skipped");
    expect(report.harnessErrors[0]).toMatch(/no result for 1 test\(s\), first every\/act-1/);
    expect(exitCodeFor({ kind: "run", plan: undefined as never, report, files: [] })).toBe(2);
  });

  test("a partial run never certifies and exits 0 without a MUST failure", () => {
    const report = reportWith(() => ({}), { suites: ["every"], grep: "MGR" });
    expect(report.run.partial).toBe(true);
    expect(report.level.reasons).toEqual([
      'partial run (--suite every --grep "MGR"): certification needs a full run',
    ]);
    expect(exitCodeFor({ kind: "run", plan: undefined as never, report, files: [] })).toBe(0);
  });

  test("a MUST clause without any test blocks certification unless its capability is lacking", () => {
    const few = defineSuite("few", (s) => s.test({ title: "checks MGR-1", clause: "MGR-1", run }));
    const plan = planRun([few], { driverName: "mem", capabilities: caps });
    const at = new Date();
    const report = buildReport({
      plan,
      outcomes: new Map(),
      toolVersion: "0",
      startedAt: at,
      finishedAt: at,
      bail: true,
    });
    expect(report.level.reasons).toContain("MUST MGR-2 has no test");
    expect(report.level.reasons).not.toContain("MUST RESTART-1 has no test");
    expect(report.tests[0].reason).toBe("not run: the run stopped after a failure (--bail)");
  });
});

describe("exitCodeFor", () => {
  test("start errors are 2 and listings 0", () => {
    expect(exitCodeFor(new Error("crash"))).toBe(2);
    expect(exitCodeFor({ kind: "list", plan: undefined as never })).toBe(0);
  });
});

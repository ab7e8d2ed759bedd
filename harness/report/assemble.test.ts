import { describe, expect, test } from "vitest";
import { CLAUSES } from "../clauses.ts";
import { UsageError } from "../errors.ts";
import { planRun } from "../matrix.ts";
import { defineSuite } from "../suite-api.ts";
import { buildReport, type CaseOutcome } from "./build.ts";
import { mergeReports } from "./merge.ts";
import { type CertificationReport, reportSchema } from "./model.ts";

const caps = { websocket: true, sse: true, schedule: true, durable: false };
const run = async () => {};
const everyClause = defineSuite("every", (s) => {
  for (const clause of CLAUSES)
    s.test({ id: clause.id.toLowerCase(), title: `checks ${clause.id}`, clause: clause.id, run });
});

function report(
  outcome: (id: string) => Partial<CaseOutcome> | undefined,
  extra: { filters?: object; interrupted?: boolean; expected?: string[] } = {},
): CertificationReport {
  const plan = planRun([everyClause], {
    driverName: "mem",
    capabilities: caps,
    filters: extra.filters ?? {},
  });
  const outcomes = new Map<string, CaseOutcome>();
  for (const c of plan.cases) {
    if (c.status !== "run") continue;
    const o = outcome(c.id);
    if (o) outcomes.set(c.id, { id: c.id, status: "pass", durationMs: 3, ...o });
  }
  const at = new Date("2026-01-01T00:00:00Z");
  return reportSchema.parse(
    buildReport({
      plan,
      outcomes,
      toolVersion: "0",
      startedAt: at,
      finishedAt: at,
      bail: false,
      interrupted: extra.interrupted,
      expectations: extra.expected
        ? { file: "known.json", ids: new Set(extra.expected) }
        : undefined,
      rerun: (id) => `driver-cert run --id ${id}`,
    }),
  );
}

const fail = { status: "fail" as const, error: { message: "no" } };

describe("the verdict", () => {
  test("certified: pass, exit 0, no warnings", () => {
    expect(report(() => ({})).verdict).toEqual({
      gate: "pass",
      exitCode: 0,
      reasons: [],
      warnings: [],
    });
  });

  test("a failed SHOULD test is a warning and the gate passes; the test keeps its rerun", () => {
    const r = report((id) => (id === "every/mgr-8" ? fail : {}));
    expect(r.verdict).toEqual({
      gate: "pass",
      exitCode: 0,
      reasons: [],
      warnings: ["SHOULD MGR-8 failed: every/mgr-8"],
    });
    expect(r.tests.find((t) => t.id === "every/mgr-8")?.rerun).toBe(
      "driver-cert run --id every/mgr-8",
    );
  });

  test("an expected MUST failure passes the gate but not the certification", () => {
    const r = report((id) => (id === "every/mgr-4" ? fail : {}), {
      expected: ["every/mgr-4", "every/gone"],
    });
    expect(r.level.certified).toBe(false);
    expect(r.verdict.gate).toBe("pass");
    expect(r.verdict.warnings).toEqual([
      "1 expected failure(s) listed in known.json",
      "stale entry in known.json: every/gone names no test of this run",
    ]);
  });

  test("a flaky MUST test fails the gate and is named among the warnings", () => {
    const r = report((id) =>
      id === "every/mgr-4" ? { ...fail, attempts: ["pass", "fail", "pass"] } : {},
    );
    const t = r.tests.find((x) => x.id === "every/mgr-4");
    expect(t).toMatchObject({ status: "fail", flaky: true, attempts: ["pass", "fail", "pass"] });
    expect(r.verdict).toMatchObject({
      gate: "fail",
      exitCode: 1,
      reasons: ["MUST MGR-4 failed: every/mgr-4"],
      warnings: ["flaky: every/mgr-4 (pass, fail, pass)"],
    });
  });

  test("an interrupted run is exit 130 whatever else happened; unfinished tests are skipped", () => {
    const r = report((id) => (id === "every/mgr-1" ? {} : undefined), { interrupted: true });
    expect(r.verdict.gate).toBe("interrupted");
    expect(r.verdict.exitCode).toBe(130);
    expect(r.verdict.reasons[0]).toBe("interrupted (SIGINT) after 1 test(s) finished");
    expect(r.harnessErrors).toEqual([]);
    expect(r.tests.find((t) => t.id === "every/mgr-2")?.reason).toBe(
      "not run: the run was interrupted (SIGINT)",
    );
  });
});

describe("mergeReports", () => {
  const shard = (index: number, change: (r: CertificationReport) => void = () => {}) => {
    const r = report(() => ({}), { filters: { shard: { index, count: 2 } } });
    change(r);
    return { file: `shard-${index}.json`, report: r };
  };

  test("two shards merge into the verdict of the whole run", () => {
    const merged = mergeReports([shard(2), shard(1)]);
    const whole = report(() => ({}));
    expect(merged.counts).toEqual(whole.counts);
    expect(merged.verdict).toEqual(whole.verdict);
    expect(merged.run).toMatchObject({ mergedFrom: 2, partial: false, filters: "" });
  });

  test.each([
    ["a shard given twice", () => [shard(1), shard(1)], /shard 1\/2 is given twice/],
    ["a missing shard", () => [shard(1)], /shard\(s\) 2\/2 missing/],
    [
      "another driver",
      () => [shard(1), shard(2, (r) => Object.assign(r.driver, { name: "other" }))],
      /certifies driver "other"/,
    ],
    [
      "a report without --shard",
      () => [shard(1), { file: "whole.json", report: report(() => ({})) }],
      /whole\.json is not a shard report/,
    ],
  ])("refuses %s", (_name, reports, message) => {
    expect(() => mergeReports(reports())).toThrow(UsageError);
    expect(() => mergeReports(reports())).toThrow(message);
  });
});

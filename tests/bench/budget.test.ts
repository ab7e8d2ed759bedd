/**
 * `driver-cert bench --budget`: the budget file is validated with a clear error (exit 2), limits
 * are applied to ratios (a missed one names the limit and the measured ratio), and bench.json as
 * assembled matches its schema. No timing is measured here.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { missedLimits, readBudget } from "../../harness/bench/budget.ts";
import { ROW_IDS } from "../../harness/bench/catalogue.ts";
import { assemble, QUICK_SETTINGS, selectWorkloads } from "../../harness/bench/command.ts";
import { benchReportSchema, type WorkloadOutcome } from "../../harness/bench/model.ts";
import type { DriverBenchRow } from "../../harness/bench/workloads.ts";
import { UsageError } from "../../harness/errors.ts";
import { cli } from "../support/cli.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "driver-cert-budget-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function budgetFile(name: string, content: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, content);
  return file;
}

const measured = (id: string): WorkloadOutcome => ({
  id,
  status: "measured",
  durationMs: 10,
  boundMs: 100,
});

function row(id: string, value: number, baseline: number): DriverBenchRow {
  const workload = id.slice(0, id.indexOf("/"));
  return {
    id,
    workload,
    scenario: workload,
    figure: id,
    unit: "ms",
    value,
    baseline: { label: "memory", value: baseline },
  };
}

describe("reading a budget file", () => {
  test("limits by row id, min and max", async () => {
    const file = await budgetFile(
      "good.json",
      JSON.stringify({
        limits: { "http-action/p99": { max: 3 }, "ws-action/throughput": { min: 0.5, max: 10 } },
      }),
    );
    const budget = await readBudget(file, dir);
    expect([...budget.limits]).toEqual([
      ["http-action/p99", { max: 3 }],
      ["ws-action/throughput", { min: 0.5, max: 10 }],
    ]);
  });

  test.each([
    ["not JSON", "{ limits: ", /not JSON/],
    [
      "an unknown row id",
      '{"limits":{"http-action/p98":{"max":3}}}',
      /unknown row id "http-action\/p98"; known ids: http-action\/p50/,
    ],
    [
      "a limit with neither bound",
      '{"limits":{"http-action/p99":{}}}',
      /limits\.http-action\/p99: a limit needs min, max or both/,
    ],
    ["min above max", '{"limits":{"http-action/p99":{"min":4,"max":3}}}', /min is above max/],
    [
      "a negative bound",
      '{"limits":{"http-action/p99":{"max":-1}}}',
      /limits\.http-action\/p99\.max/,
    ],
    ["an unknown bound name", '{"limits":{"http-action/p99":{"most":3}}}', /most/],
    ["a top-level key other than limits", '{"limits":{},"limit":{}}', /limit/],
    ["limits missing", "{}", /limits/],
    [
      "a row without a ratio",
      '{"limits":{"restart/restart":{"max":2}}}',
      /restart\/restart has no baseline/,
    ],
  ])("refuses %s with a UsageError naming the problem", async (_, content, message) => {
    const file = await budgetFile("bad.json", content);
    const error = await readBudget(file, dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).code).toBe("invalid_option");
    expect((error as Error).message).toMatch(message);
  });

  test("a missing file is a UsageError", async () => {
    await expect(readBudget("no-such-budget.json", dir)).rejects.toThrow(/cannot read it/);
  });

  test("every catalogue row id is <workload>/<figure>", () => {
    for (const id of ROW_IDS) expect(id).toMatch(/^[a-z-]+\/[a-z0-9-]+$/);
    expect(new Set(ROW_IDS).size).toBe(ROW_IDS.length);
  });
});

describe("applying a budget", () => {
  const limits = new Map([
    ["http-action/p99", { max: 3 }],
    ["http-action/throughput", { min: 0.5 }],
  ]);
  const budget = { file: "b.json", limits };

  test("a ratio at the bound keeps it; one past it misses it, with the ratio", () => {
    const kept = missedLimits(
      budget,
      [
        { id: "http-action/p99", ratio: 3 },
        { id: "http-action/throughput", ratio: 0.5 },
      ],
      [measured("http-action")],
    );
    expect(kept).toEqual([]);
    const missed = missedLimits(
      budget,
      [
        { id: "http-action/p99", ratio: 3.01 },
        { id: "http-action/throughput", ratio: 0.49 },
      ],
      [measured("http-action")],
    );
    expect(missed.map((m) => [m.id, m.ratio])).toEqual([
      ["http-action/p99", 3.01],
      ["http-action/throughput", 0.49],
    ]);
  });

  test("a limited row whose workload failed or overran is missed; one not applicable is not", () => {
    const failed = { ...measured("http-action"), status: "over-bound" as const };
    expect(missedLimits(budget, [], [failed]).map((m) => m.reason)).toEqual([
      "not measured: workload over-bound",
      "not measured: workload over-bound",
    ]);
    const absent = { ...measured("http-action"), status: "not-applicable" as const };
    expect(missedLimits(budget, [], [absent])).toEqual([]);
  });

  test("bench.json as assembled matches its schema and exits 1 naming the missed limit", () => {
    const report = assemble({
      definition: {
        name: "d",
        contractVersion: 1,
        capabilities: { websocket: true, sse: true, schedule: true, durable: false },
        start: () => ({ manager: {} as never, stop: async () => {} }),
      },
      module: "d.ts",
      capabilities: {
        websocket: true,
        sse: true,
        schedule: true,
        durable: false,
        sleep: true,
        distributed: false,
      },
      settings: QUICK_SETTINGS,
      quick: true,
      startedAt: new Date(),
      loadStart: [1, 1, 1],
      rows: [row("http-action/p99", 9, 2), row("http-action/throughput", 100, 100)],
      outcomes: [measured("http-action")],
      budget,
    });
    expect(benchReportSchema.safeParse(report).success).toBe(true);
    expect(report.exitCode).toBe(1);
    expect(report.reasons).toEqual(["budget limit http-action/p99 missed (ratio 4.50x)"]);
    expect(report.rows.map((r) => [r.id, r.ratio, r.result])).toEqual([
      ["http-action/p99", 4.5, "missed"],
      ["http-action/throughput", 1, "kept"],
    ]);
  });
});

describe("driver-cert bench options", () => {
  test("a bad budget file exits 2 before any driver starts, naming the problem", async () => {
    const file = await budgetFile("typo.json", '{"limits":{"http-actoin/p99":{"max":3}}}');
    const run = await cli(["bench", "reference-drivers/memory/index.ts", "--budget", file]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--budget .*typo\.json: unknown row id "http-actoin\/p99"/);
    expect(run.stderr).toContain("docs/bench.md");
    expect(run.stdout).not.toContain("driver-cert bench memory");
  });

  test("an unknown workload exits 2 naming the workloads there are", async () => {
    const run = await cli(["bench", "reference-drivers/memory/index.ts", "--workload", "nope"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown workload nope[\s\S]*http-action, ws-action/);
  });

  test("--workload keeps the catalogue's order", () => {
    expect(selectWorkloads(["create", "http-action"]).map((w) => w.id)).toEqual([
      "http-action",
      "create",
    ]);
  });
});

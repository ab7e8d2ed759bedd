/**
 * `driver-cert bench` end to end through the CLI: the file-system driver's quick run prints the
 * table and writes bench.json (matching its schema) and bench.md; a budget turns the bench into
 * a gate that a deliberately slow driver (a relay holding each request and frame 50 ms) fails
 * with exit 1 naming the limit, and the memory driver keeps. The budget's margin is huge (a
 * ratio of 5 where the slow driver is 100 ms per call slower), so no figure of this machine
 * decides a verdict.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { WORKLOADS } from "../harness/bench/catalogue.ts";
import { benchReportSchema } from "../harness/bench/model.ts";
import { cli, DRIVERS } from "./support/cli.ts";

let dir: string;
let budget: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "driver-cert-bench-cli-"));
  budget = join(dir, "budget.json");
  await writeFile(budget, JSON.stringify({ limits: { "http-action/p50": { max: 5 } } }));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("driver-cert bench", () => {
  test("the file-system driver --quick: the table, bench.json and bench.md", async () => {
    const out = join(dir, "fs");
    const run = await cli(["bench", "reference-drivers/file-system", "--quick", "--out", out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/driver-cert bench file-system against memory \(--quick\)/);
    expect(run.stdout).toMatch(/scenario +figure +driver +baseline +ratio/);
    expect(run.stdout).toMatch(
      /stateless action over HTTP +p99 \(\d+ sequential\) .* memory +\d+\.\d\dx/,
    );
    expect(run.stdout).toMatch(/load average [\d. ]+ at start, [\d. ]+ at end/i);
    expect(run.stderr).toMatch(/bench: \[1\/13\] http-action: measuring both interleaved/);
    const report = benchReportSchema.parse(
      JSON.parse(await readFile(join(out, "bench.json"), "utf8")),
    );
    expect(report.driver.name).toBe("file-system");
    expect(report.exitCode).toBe(0);
    const applicable = WORKLOADS.filter((w) => w.needs !== "distributed").map((w) => w.id);
    expect(report.workloads.filter((w) => w.status === "measured").map((w) => w.id)).toEqual(
      applicable,
    );
    for (const w of WORKLOADS.filter((w) => w.needs !== "distributed")) {
      for (const figure of w.figures) {
        const row = report.rows.find((r) => r.id === `${w.id}/${figure}`);
        expect(row, `${w.id}/${figure}`).toBeDefined();
        expect(row!.value, `${w.id}/${figure}`).toBeGreaterThanOrEqual(0);
        if (!w.unratioed?.includes(figure))
          expect(row!.ratio, `${w.id}/${figure}`).toBeGreaterThan(0);
      }
    }
    const md = await readFile(join(out, "bench.md"), "utf8");
    expect(md).toMatch(/^# driver-cert bench: file-system/);
    expect(md).toMatch(/\| restart\(\) with 100 actors stored \| time to resolve/);
  });

  test("a budget fails a slow relay driver with exit 1 naming the limit", async () => {
    const out = join(dir, "slow");
    const run = await cli([
      "bench",
      `${DRIVERS}/slow-relay-driver.ts`,
      "--quick",
      "--workload",
      "http-action",
      "--budget",
      budget,
      "--out",
      out,
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(
      /Budget .*budget\.json: 1 of 1 limits missed:\n {2}http-action\/p50: measured \d+\.\d\dx, limit <= 5x/,
    );
    const report = benchReportSchema.parse(
      JSON.parse(await readFile(join(out, "bench.json"), "utf8")),
    );
    expect(report.budget?.missed.map((m) => m.id)).toEqual(["http-action/p50"]);
    expect(report.rows.find((r) => r.id === "http-action/p50")?.result).toBe("missed");
  });

  test("the memory driver keeps the same budget: exit 0", async () => {
    const run = await cli([
      "bench",
      "reference-drivers/memory/index.ts",
      "--quick",
      "--workload",
      "http-action",
      "--budget",
      budget,
      "--out",
      join(dir, "memory"),
    ]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Budget .*budget\.json: all 1 limits kept\./);
  });
});

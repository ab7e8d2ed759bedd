/**
 * Triage in CI: known failures (`--expectations`: expected fail, unexpected pass, stale entry;
 * `--write-expectations`), `--repeat` marking a deliberately flaky driver's test `flaky` (never
 * hidden), and `--shard 1/3..3/3` merged by `driver-cert merge` into the same verdict and counts
 * as one whole run.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type CertificationReport, reportSchema } from "../harness/report/model.ts";
import { cli, DRIVERS, TINY_SUITES } from "./support/cli.ts";

const BROKEN = [`${DRIVERS}/tiny-broken-driver.ts`, ...TINY_SUITES];
const MGR5 = "tiny-manager/createactor-on-a-taken-name-and-key-rejects-with-actor-already-exists";
const MGR2 = "tiny-manager/get-for-id-unknown";
const MGR3 = "tiny-manager/getwithkey-never-creates-an-actor";
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "driver-cert-triage-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readReport(outDir: string): Promise<CertificationReport> {
  return reportSchema.parse(JSON.parse(await readFile(join(outDir, "report.json"), "utf8")));
}

describe("expectations", () => {
  test("--write-expectations lists the failures; with that file the run passes the gate as expected-fail", {
    timeout: 120_000,
  }, async () => {
    const file = join(dir, "expectations.json");
    const first = await cli([
      "run",
      ...BROKEN,
      "--suite",
      "tiny-manager",
      "--out",
      join(dir, "w"),
      "--write-expectations",
      file,
    ]);
    expect(first.code).toBe(1);
    const written = JSON.parse(await readFile(file, "utf8"));
    expect(written).toEqual({
      version: 1,
      driver: "tiny-broken",
      expectedFailures: [
        {
          id: MGR5,
          note: expect.stringMatching(/^MGR-5: createActor twice on counter .* must reject/),
        },
        { id: MGR2, note: "MGR-2: driver did not answer getForId within 300 ms" },
      ],
    });
    const outDir = join(dir, "known");
    const second = await cli([
      "run",
      ...BROKEN,
      "--suite",
      "tiny-manager",
      "--out",
      outDir,
      "--expectations",
      file,
    ]);
    expect(second.code).toBe(0);
    const report = await readReport(outDir);
    expect(
      report.tests.filter((t) => t.expectation).map((t) => [t.id, t.status, t.expectation]),
    ).toEqual([
      [MGR5, "fail", "expected-fail"],
      [MGR2, "timeout", "expected-fail"],
    ]);
    // The driver is still not certified; the gate passes with the known failures as warnings.
    expect(report.level.certified).toBe(false);
    expect(report.verdict).toEqual({
      gate: "pass",
      exitCode: 0,
      reasons: [],
      warnings: [`2 expected failure(s) listed in ${file}`],
    });
    const junit = await readFile(join(outDir, "junit.xml"), "utf8");
    expect(junit).toMatch(/<testsuites [^>]*failures="0" errors="0"/);
    expect(junit).toContain(
      '<skipped message="expected failure (listed in the expectations file): driver did not answer getForId within 300 ms"/>',
    );
  });

  test("an unexpected pass and a stale entry are reported; an unlisted failure still fails the gate", {
    timeout: 120_000,
  }, async () => {
    const file = join(dir, "edited.json");
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        expectedFailures: [
          { id: MGR5 },
          { id: MGR3, note: "fixed since" },
          { id: "tiny-manager/renamed-long-ago" },
        ],
      }),
    );
    const outDir = join(dir, "edited");
    const run = await cli([
      "run",
      ...BROKEN,
      "--suite",
      "tiny-manager",
      "--out",
      outDir,
      "--expectations",
      file,
    ]);
    expect(run.code).toBe(1);
    const report = await readReport(outDir);
    expect(report.expectations).toEqual({
      file,
      expectedFailures: [MGR5],
      unexpectedPasses: [MGR3],
      staleEntries: ["tiny-manager/renamed-long-ago"],
    });
    expect(report.verdict.reasons).toEqual([`MUST MGR-2 failed: ${MGR2}`]);
    expect(report.verdict.warnings).toEqual([
      `1 expected failure(s) listed in ${file}`,
      `unexpected pass: ${MGR3} is listed in ${file} but passed`,
      `stale entry in ${file}: tiny-manager/renamed-long-ago names no test of this run`,
    ]);
    expect(run.stdout).toContain(
      `  warning: unexpected pass: ${MGR3} is listed in ${file} but passed\n`,
    );
    const bad = await cli(["run", ...BROKEN, "--expectations", join(dir, "missing.json")]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--expectations .*missing\.json: cannot read the file \(ENOENT\)/);
  });
});

describe("--repeat", () => {
  test("a test whose attempts differ on a flaky driver is flaky, and its failure is kept", {
    timeout: 120_000,
  }, async () => {
    const outDir = join(dir, "flaky");
    const run = await cli([
      "run",
      `${DRIVERS}/flaky-driver.ts`,
      ...TINY_SUITES,
      "--id",
      MGR2,
      "--id",
      MGR3,
      "--repeat",
      "4",
      "--workers",
      "1",
      "--out",
      outDir,
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain("(each 4 times)");
    expect(run.stdout).toMatch(new RegExp(`\\] FAIL {8}${MGR2} \\(attempt \\d/4\\)`));
    expect(run.stdout).toMatch(new RegExp(`\\] pass {8}${MGR2} \\(attempt \\d/4\\)`));
    const report = await readReport(outDir);
    expect(report.run.repeat).toBe(4);
    const flaky = report.tests.find((t) => t.id === MGR2)!;
    expect(flaky.status).toBe("fail");
    expect(flaky.flaky).toBe(true);
    expect([...flaky.attempts!].sort()).toEqual(["fail", "fail", "pass", "pass"]);
    const stable = report.tests.find((t) => t.id === MGR3)!;
    expect(stable).toMatchObject({ status: "pass", attempts: ["pass", "pass", "pass", "pass"] });
    expect(stable.flaky).toBeUndefined();
    expect(report.counts).toMatchObject({ pass: 1, fail: 1 });
    expect(report.verdict.warnings).toContain(`flaky: ${MGR2} (${flaky.attempts!.join(", ")})`);
    expect(report.verdict.reasons).toEqual([`MUST MGR-2 failed: ${MGR2}`]);
  });
});

describe("--shard and merge", () => {
  test("shards 1/3..3/3 merged give the verdict and counts of one whole run", {
    timeout: 240_000,
  }, async () => {
    const whole = await cli(["run", ...BROKEN, "--workers", "1", "--out", join(dir, "whole")]);
    const wholeReport = await readReport(join(dir, "whole"));
    const files: string[] = [];
    for (const i of [1, 2, 3]) {
      const outDir = join(dir, `shard-${i}`);
      const shard = await cli([
        "run",
        ...BROKEN,
        "--workers",
        "1",
        "--shard",
        `${i}/3`,
        "--out",
        outDir,
      ]);
      expect(shard.code).toBeLessThanOrEqual(1);
      const report = await readReport(outDir);
      expect(report.run.shard).toEqual({ index: i, count: 3 });
      expect(report.tests.filter((t) => t.skipKind !== "shard").length).toBeGreaterThan(0);
      files.push(join(outDir, "report.json"));
    }
    const mergedDir = join(dir, "merged");
    const merged = await cli(["merge", ...files.reverse(), "--out", mergedDir]);
    const report = await readReport(mergedDir);
    expect(merged.code).toBe(whole.code);
    expect(whole.code).toBe(1);
    expect(report.run).toMatchObject({ mergedFrom: 3, partial: false, filters: "" });
    expect(report.counts).toEqual(wholeReport.counts);
    expect(report.verdict).toEqual(wholeReport.verdict);
    expect(report.level).toEqual(wholeReport.level);
    expect(report.clauses).toEqual(wholeReport.clauses);
    expect(report.tests.map((t) => [t.id, t.status])).toEqual(
      wholeReport.tests.map((t) => [t.id, t.status]),
    );
    expect(merged.stdout).toContain("driver-cert: merged 3 shard report(s)");
    // A missing shard is refused.
    const partial = await cli(["merge", files[0], files[1], "--out", join(dir, "m2")]);
    expect(partial.code).toBe(2);
    expect(partial.stderr).toMatch(/merge: shard\(s\) \d\/3 missing: a merge needs every shard/);
  });
});

/**
 * One verdict everywhere: the exit code, report.json, junit.xml, summary.md, the GitHub Actions
 * annotations and step summary, and runDriverTests agree on what a run means. A failed SHOULD
 * clause is a warning that does not fail the gate, visible in each; a failed MUST test fails
 * each. A driver that does not load or start exits 2 and still gets a report naming why, and
 * stale reports of an earlier run are replaced.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type CertificationReport, reportSchema } from "../harness/report/model.ts";
import { cli, DRIVERS, TINY_SUITES, VERDICT_SUITES } from "./support/cli.ts";
import { runEntry } from "./support/run-entry.ts";
import { xmlProblems } from "./support/xml-well-formed.ts";

const SHOULD_ID = "verdict/getforid-reports-the-region-given-at-creation";
const MUST_ID =
  "tiny-manager/createactor-on-a-taken-name-and-key-rejects-with-actor-already-exists";
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "driver-cert-verdict-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The verdict each file carries, read back the way a CI or a person would. */
async function verdicts(outDir: string, report: CertificationReport) {
  const junit = await readFile(join(outDir, "junit.xml"), "utf8");
  const summary = await readFile(join(outDir, "summary.md"), "utf8");
  expect(xmlProblems(junit)).toEqual([]);
  const top = /<testsuites [^>]*failures="(\d+)" errors="(\d+)"/.exec(junit);
  return {
    json: report.verdict.exitCode,
    junitFails: Number(top?.[1]) + Number(top?.[2]) > 0,
    summary: /\*\*Verdict: (\w+)\*\* \(exit code (\d+)\)/.exec(summary)?.slice(1),
    junit,
    summaryText: summary,
  };
}

describe("one verdict", () => {
  test("a failed SHOULD clause is a warning in the exit code, report.json (on stdout), junit.xml, summary.md and GitHub Actions", {
    timeout: 120_000,
  }, async () => {
    const outDir = join(dir, "should");
    const stepSummary = join(dir, "step-summary.md");
    await writeFile(stepSummary, "earlier step\n");
    // A report.json of an earlier run must not stay beside the new reports.
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, "report.json"), "stale");
    const run = await cli(
      [
        "run",
        `${DRIVERS}/tiny-driver.ts`,
        ...VERDICT_SUITES,
        "--suite",
        "verdict",
        "--reporter",
        "json:-,junit,markdown",
        "--out",
        outDir,
      ],
      { env: { GITHUB_ACTIONS: "true", GITHUB_STEP_SUMMARY: stepSummary } },
    );
    expect(run.code).toBe(0);
    const report = reportSchema.parse(JSON.parse(run.stdout));
    expect(existsSync(join(outDir, "report.json"))).toBe(false);
    expect(report.tests.map((t) => [t.id, t.status])).toEqual([
      ["verdict/getwithkey-of-a-key-never-created-resolves-undefined", "pass"],
      [SHOULD_ID, "fail"],
      ...report.tests.slice(2).map((t) => [t.id, "skipped"]),
    ]);
    expect(report.verdict).toEqual({
      gate: "pass",
      exitCode: 0,
      reasons: [],
      warnings: [`SHOULD MGR-8 failed: ${SHOULD_ID}`],
    });
    const should = report.tests.find((t) => t.id === SHOULD_ID)!;
    expect(should.error).toMatchObject({
      step: "after getForId",
      expected: '"eu"',
      actual: "undefined",
      location: expect.stringMatching(/^tests\/fixtures\/suites\/verdict-suites\.ts:\d+$/),
    });
    // The same seed, so generated inputs replay exactly.
    expect(should.rerun).toBe(
      `driver-cert run tests/fixtures/drivers/tiny-driver.ts --suites-module tests/fixtures/suites/verdict-suites.ts --seed ${report.run.seed} --id ${SHOULD_ID}`,
    );
    const seen = await verdicts(outDir, report);
    expect(seen.junitFails).toBe(false);
    expect(seen.summary).toEqual(["pass", "0"]);
    expect(seen.junit).toMatch(
      /<testsuites name="driver-cert: tiny \(not certified; verdict pass, 1 warning\(s\)\)"/,
    );
    const shouldCase = seen.junit.slice(seen.junit.indexOf(`<testcase name="${SHOULD_ID}`));
    expect(shouldCase.slice(0, shouldCase.indexOf("</testcase>"))).toMatch(
      /<property name="verdict" value="warning"\/>[\s\S]*<system-err>warning: SHOULD MGR-8 failed \(not fatal\)/,
    );
    expect(seen.summaryText).toContain(
      `## Warnings (not fatal)\n\n- SHOULD MGR-8 failed: ${SHOULD_ID}`,
    );
    // stdout holds the JSON only; progress, the recap, the summary and annotations go to stderr.
    expect(run.stderr).toContain("Failures (1), by clause:");
    expect(run.stderr).toContain("verdict: PASS (exit 0), 1 warning(s)");
    expect(run.stderr).toMatch(
      new RegExp(
        `^::warning file=tests/fixtures/suites/verdict-suites\\.ts,line=\\d+,title=MGR-8 ${SHOULD_ID}::fail: ${SHOULD_ID} \\(SHOULD: warning\\)%0Astep: after getForId`,
        "m",
      ),
    );
    expect(run.stderr).not.toMatch(/^::error /m);
    expect(run.stderr).toMatch(
      /^::notice title=driver-cert%3A tiny::not certified; verdict pass \(exit 0\)$/m,
    );
    expect(await readFile(stepSummary, "utf8")).toBe(`earlier step\n${seen.summaryText}\n`);
  });

  test("runDriverTests passes the same SHOULD failure with a warning annotation", {
    timeout: 120_000,
  }, async () => {
    const { tests, moduleErrors } = await runEntry("tests/fixtures/vitest/should-warning.entry.ts");
    expect(moduleErrors).toEqual([]);
    const should = tests.find((t) => t.id === SHOULD_ID);
    expect(should?.state).toBe("passed");
    expect(should?.annotations).toEqual([
      {
        type: "warning",
        message: expect.stringMatching(
          /^warning: SHOULD MGR-8 failed \(not fatal\): expected undefined to be 'eu'/,
        ),
      },
    ]);
    expect(tests.filter((t) => t.state === "failed")).toEqual([]);
  });

  test("a failed MUST test fails the exit code, report.json, junit.xml, summary.md and GitHub Actions alike", {
    timeout: 120_000,
  }, async () => {
    const outDir = join(dir, "must");
    const run = await cli(
      ["run", `${DRIVERS}/tiny-broken-driver.ts`, ...TINY_SUITES, "--id", MUST_ID, "--out", outDir],
      { env: { GITHUB_ACTIONS: "true" } },
    );
    expect(run.code).toBe(1);
    const report = reportSchema.parse(
      JSON.parse(await readFile(join(outDir, "report.json"), "utf8")),
    );
    expect(report.verdict).toMatchObject({
      gate: "fail",
      exitCode: 1,
      reasons: [`MUST MGR-5 failed: ${MUST_ID}`],
    });
    const seen = await verdicts(outDir, report);
    expect(seen.junitFails).toBe(true);
    expect(seen.summary).toEqual(["fail", "1"]);
    expect(run.stdout).toMatch(
      new RegExp(
        `^::error file=tests/fixtures/suites/tiny-suites\\.ts,line=\\d+,title=MGR-5 ${MUST_ID}::fail: ${MUST_ID}%0A`,
        "m",
      ),
    );
    // The recap: the step, expected and actual, the suite line and a command that reruns it.
    const recap = run.stdout.slice(run.stdout.indexOf("Failures (1), by clause:"));
    expect(recap).toMatch(/\nMUST MGR-5 `createActor` on a taken name/);
    expect(recap).toContain("    step:     after createActor again\n");
    expect(recap).toContain("    expected: true\n    actual:   false\n");
    expect(recap).toMatch(/ {4}at: {7}tests\/fixtures\/suites\/tiny-suites\.ts:\d+\n/);
    expect(recap).toMatch(
      new RegExp(
        ` {4}rerun: {4}driver-cert run tests/fixtures/drivers/tiny-broken-driver\\.ts --suites-module tests/fixtures/suites/tiny-suites\\.ts --seed \\d+ --id ${MUST_ID}\n`,
      ),
    );
    // No colour codes without a terminal.
    expect(run.stdout).not.toContain("\u001b[");
  });

  test("a driver that does not load or start exits 2 with a report naming why, replacing stale reports", {
    timeout: 60_000,
  }, async () => {
    for (const [driver, code, message] of [
      ["missing-start.ts", "driver_load_failed", /invalid driver definition: "start" is missing/],
      ["start-throws.ts", "driver_start_failed", /^driver "start-throws" could not be started: /],
    ] as const) {
      const outDir = join(dir, `start-${code}`);
      await mkdir(outDir, { recursive: true });
      for (const file of ["report.json", "junit.xml", "summary.md"]) {
        await writeFile(join(outDir, file), "from an earlier run");
      }
      const run = await cli(["run", `${DRIVERS}/${driver}`, ...TINY_SUITES, "--out", outDir]);
      expect(run.code).toBe(2);
      const report = reportSchema.parse(
        JSON.parse(await readFile(join(outDir, "report.json"), "utf8")),
      );
      expect(report.startError?.code).toBe(code);
      expect(report.startError?.message).toMatch(message);
      expect(report.verdict).toMatchObject({ gate: "error", exitCode: 2 });
      const seen = await verdicts(outDir, report);
      expect(seen.junitFails).toBe(true);
      expect(seen.junit).toContain(`type="${code}"`);
      expect(seen.summary).toEqual(["error", "2"]);
    }
  });
});

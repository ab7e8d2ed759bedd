/**
 * `driver-cert run` end to end on the tiny fixture drivers and suites: the JSON report matches
 * its schema, the JUnit XML is well-formed, the Markdown summary names the level, and statuses
 * and exit codes follow what the driver did.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { exitCodeFor, runCertification } from "../harness/certify.ts";
import { reportSchema } from "../harness/report/model.ts";
import { Capture } from "./support/capture.ts";
import { xmlProblems } from "./support/xml-well-formed.ts";

const SUITES = "tests/fixtures/suites/tiny-suites.ts";
let out: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "driver-cert-reports-"));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe("driver-cert run on the tiny driver", () => {
  test("writes a schema-valid JSON report, well-formed JUnit and a Markdown summary", {
    timeout: 120_000,
  }, async () => {
    const stdout = new Capture();
    const outDir = join(out, "tiny");
    const result = await runCertification({
      driverModule: "tests/fixtures/drivers/tiny-driver.ts",
      suitesModule: SUITES,
      outDir,
      stdout,
      workers: 2,
    });
    expect(result.kind).toBe("run");
    const report = reportSchema.parse(
      JSON.parse(await readFile(join(outDir, "report.json"), "utf8")),
    );
    expect(report.schemaVersion).toBe(1);
    expect(report.driver).toMatchObject({
      name: "tiny",
      capabilities: { websocket: true, sse: false },
    });
    const status = Object.fromEntries(report.tests.map((t) => [t.id, t.status]));
    expect(status).toEqual({
      "tiny-manager/createactor-on-a-taken-name-and-key-rejects-with-actor-already-exists": "pass",
      "tiny-manager/get-for-id-unknown": "pass",
      "tiny-manager/getwithkey-never-creates-an-actor": "pass",
      "tiny-matrix/each-cell-names-a-transport-the-driver-declares [transport=websocket,encoding=json]":
        "pass",
      "tiny-matrix/each-cell-names-a-transport-the-driver-declares [transport=websocket,encoding=cbor]":
        "pass",
      "tiny-matrix/each-cell-names-a-transport-the-driver-declares [transport=sse,encoding=json]":
        "unsupported",
      "tiny-matrix/each-cell-names-a-transport-the-driver-declares [transport=sse,encoding=cbor]":
        "unsupported",
      "tiny-matrix/a-scheduled-action-runs-after-its-delay": "unsupported",
      "tiny-matrix/a-driver-without-sse-says-so-in-its-manifest": "pass",
      "tiny-matrix/the-definition-names-its-driver-and-contract-version": "pass",
    });
    const sched = report.tests.find((t) => t.clause === "SCHED-1");
    expect(sched?.reason).toBe('unsupported: schedule not declared by driver "tiny"');
    // The tiny suites cover a few clauses only: passing them is not a certification.
    expect(report.level.certified).toBe(false);
    expect(report.level.reasons).toContain("MUST MGR-1 has no test");
    expect(exitCodeFor(result)).toBe(1);

    const junit = await readFile(join(outDir, "junit.xml"), "utf8");
    expect(xmlProblems(junit)).toEqual([]);
    // A full run that is not certified fails in JUnit too, with the level's reasons.
    expect(junit).toMatch(/<failure message="not certified: [^"]+" type="not_certified">/);
    expect(junit).toContain("- MUST MGR-1 has no test");
    const summary = await readFile(join(outDir, "summary.md"), "utf8");
    expect(summary).toMatch(/^# driver-cert: tiny: not certified/);
    expect(summary).toContain(`| 2 | unsupported: sse not declared by driver "tiny" |`);
    expect(stdout.text).toMatch(
      /\[\s*\d+\/10\] pass {8}tiny-manager\/get-for-id-unknown \(\d+ ms\)/,
    );
    expect(stdout.text).toContain("tiny: not certified");
  });

  test("reports a driver's failures and hangs as fail and timeout, with the clause", {
    timeout: 120_000,
  }, async () => {
    const outDir = join(out, "broken");
    // An earlier run's summary.md would sit beside the new reports and mislead: it goes; files
    // that are no reporter's stay.
    await mkdir(outDir, { recursive: true });
    await writeFile(join(outDir, "summary.md"), "# driver-cert: tiny: certified (core)\n");
    await writeFile(join(outDir, "notes.md"), "kept\n");
    const result = await runCertification({
      driverModule: "tests/fixtures/drivers/tiny-broken-driver.ts",
      suitesModule: SUITES,
      suites: ["tiny-manager"],
      reporters: ["json", "junit"],
      outDir,
      stdout: new Capture(),
    });
    if (result.kind !== "run") throw new Error("expected a run");
    const byClause = Object.fromEntries(result.report.tests.map((t) => [t.clause, t]));
    expect(byClause["MGR-5"]).toMatchObject({ status: "fail", clauseLevel: "MUST" });
    expect(byClause["MGR-5"].error?.message).toMatch(/must reject/);
    expect(byClause["MGR-2"]).toMatchObject({
      status: "timeout",
      error: { code: "harness_timeout", message: "driver did not answer getForId within 300 ms" },
    });
    expect(byClause["MGR-3"].status).toBe("pass");
    expect(result.report.run).toMatchObject({ partial: true, filters: "--suite tiny-manager" });
    expect(result.files.map((f) => f.slice(outDir.length + 1))).toEqual([
      "report.json",
      "junit.xml",
    ]);
    expect(existsSync(join(outDir, "summary.md"))).toBe(false);
    expect(await readFile(join(outDir, "notes.md"), "utf8")).toBe("kept\n");
    const junit = await readFile(join(outDir, "junit.xml"), "utf8");
    expect(xmlProblems(junit)).toEqual([]);
    expect(junit).toContain(
      '<failure message="driver did not answer getForId within 300 ms" type="timeout">',
    );
    // A partial run with a failed MUST test exits 1: the certification testcase fails too.
    expect(junit).toMatch(
      /<testcase name="certification" classname="driver-cert"[^>]*>[\s\S]*<failure message="failed: MUST MGR-2 failed: [^"]*" type="not_certified">/,
    );
    expect(exitCodeFor(result)).toBe(1);
  });
});

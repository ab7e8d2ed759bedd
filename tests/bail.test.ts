/**
 * `--bail` on the tiny broken driver: the test that failed is always reported as failed (exit
 * code 1), tests already running when it failed report what they did, and only tests that never
 * started are "not run ... (--bail)". Each scenario runs several times: the bail used to race the
 * failing test's own result and lose it.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { exitCodeFor, runCertification } from "../harness/certify.ts";
import { Capture } from "./support/capture.ts";

const BAILED = "not run: the run stopped after a failure (--bail)";
const CREATE = "tiny-manager/createactor-on-a-taken-name-and-key-rejects-with-actor-already-exists";
const GET_FOR_ID = "tiny-manager/get-for-id-unknown";
const GET_WITH_KEY = "tiny-manager/getwithkey-never-creates-an-actor";
let out: string;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "driver-cert-bail-"));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

async function bailRun(concurrency: number, run: number) {
  const stdout = new Capture();
  const result = await runCertification({
    driverModule: "tests/fixtures/drivers/tiny-broken-driver.ts",
    suitesModule: "tests/fixtures/suites/tiny-suites.ts",
    suites: ["tiny-manager"],
    reporters: ["json"],
    outDir: join(out, `c${concurrency}-${run}`),
    bail: true,
    workers: 1,
    concurrency,
    stdout,
  });
  if (result.kind !== "run") throw new Error("expected a run");
  const mine = result.report.tests.filter((t) => t.suite === "tiny-manager");
  const status = Object.fromEntries(mine.map((t) => [t.id, t.status]));
  const reasons = Object.fromEntries(mine.map((t) => [t.id, t.reason]));
  return { result, status, reasons, stdout: stdout.text };
}

describe("driver-cert run --bail", () => {
  test("cases running together all report their own result; the failure is never a skip", {
    timeout: 120_000,
  }, async () => {
    for (let run = 0; run < 3; run += 1) {
      const { result, status, stdout } = await bailRun(4, run);
      // All three started before the first failure: each keeps what it did.
      expect(status, stdout).toEqual({
        [CREATE]: "fail",
        [GET_FOR_ID]: "timeout",
        [GET_WITH_KEY]: "pass",
      });
      expect(exitCodeFor(result)).toBe(1);
    }
  });

  test("one case at a time: the failure stops the run and only the cases after it skip", {
    timeout: 120_000,
  }, async () => {
    for (let run = 0; run < 2; run += 1) {
      const { result, status, reasons, stdout } = await bailRun(1, run);
      expect(status, stdout).toEqual({
        [CREATE]: "fail",
        [GET_FOR_ID]: "skipped",
        [GET_WITH_KEY]: "skipped",
      });
      expect(reasons[GET_FOR_ID]).toBe(BAILED);
      expect(reasons[GET_WITH_KEY]).toBe(BAILED);
      expect(stdout).toMatch(/FAIL {8}tiny-manager\/createactor-on-a-taken-name/);
      expect(stdout).toMatch(/\[2\/3\] skipped {5}tiny-manager\/\S+: not run: the run stopped/);
      expect(exitCodeFor(result)).toBe(1);
    }
  });
});

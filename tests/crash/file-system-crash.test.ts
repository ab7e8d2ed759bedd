/**
 * The crash suite (clause PERSIST-7) on the file-system driver, as `driver-cert run
 * reference-drivers/file-system --suite crash` runs it: the driver in a host process, killed
 * with SIGKILL at 20 seeded moments (some graceful stops among them), every acknowledged write,
 * creation and due event checked after each start. The report carries the seed; the same seed
 * replays the same kill moments.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { expect, onTestFinished, test } from "vitest";
import { exitCodeFor, runCertification } from "../../harness/certify.ts";
import { cycleEnds, DEFAULT_CRASH_KILLS } from "../../harness/crash/crash-loop.ts";

const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });

test("the seed decides the kill moments: the same seed, the same moments", () => {
  expect(cycleEnds(1234, DEFAULT_CRASH_KILLS)).toEqual(cycleEnds(1234, DEFAULT_CRASH_KILLS));
  expect(cycleEnds(1234, DEFAULT_CRASH_KILLS)).not.toEqual(cycleEnds(1235, DEFAULT_CRASH_KILLS));
  expect(cycleEnds(1234, DEFAULT_CRASH_KILLS).some((e) => e.graceful)).toBe(true);
});

test(`the file-system driver keeps every acknowledged write through ${DEFAULT_CRASH_KILLS} kills (PERSIST-7)`, {
  timeout: 660_000,
}, async () => {
  const out = await mkdtemp(join(tmpdir(), "driver-cert-crash-report-"));
  onTestFinished(() => rm(out, { recursive: true, force: true }));
  const result = await runCertification({
    driverModule: "reference-drivers/file-system/index.ts",
    suites: ["crash"],
    outDir: out,
    reporters: ["json"],
    stdout: sink(),
    stderr: sink(),
    workers: 1,
  });
  if (result.kind !== "run") throw new Error(`expected a run, got ${result.kind}`);
  const crash = result.report.tests.filter((t) => t.suite === "crash");
  expect(
    crash.map((t) => `${t.status} ${t.id}${t.error ? `: ${t.error.message}` : ""}`),
    `seed ${result.report.run.seed}`,
  ).toEqual(["pass crash/acknowledged-writes-survive-kills"]);
  expect(exitCodeFor(result), "a partial run without failures exits 0").toBe(0);
});

/**
 * Ctrl-C: a real SIGINT to a child `driver-cert run` while tests are in flight (their data
 * directories on disk) writes a partial report marked interrupted, removes every temporary
 * directory the run made, and exits 130.
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { reportSchema } from "../harness/report/model.ts";
import { DRIVERS, VERDICT_SUITES } from "./support/cli.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "driver-cert-sigint-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("Ctrl-C", () => {
  test("SIGINT mid-run: partial report marked interrupted, temp directories removed, exit 130", {
    timeout: 120_000,
  }, async () => {
    const temp = join(dir, "tmp");
    const outDir = join(dir, "reports");
    await mkdir(temp);
    const child = spawn(
      process.execPath,
      [
        "bin/driver-cert.mjs",
        "run",
        `${DRIVERS}/tiny-driver.ts`,
        ...VERDICT_SUITES,
        "--suite",
        "slow",
        "--workers",
        "1",
        "--out",
        outDir,
      ],
      { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, TMPDIR: temp, NO_COLOR: "1" } },
    );
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk) => {
      stderr += String(chunk);
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on("close", (code, signal) => resolve({ code, signal })),
    );
    // Interrupt once both quick tests passed and the slow ones hold their data directories.
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(
        () => reject(new Error(`no progress in time:\n${stdout}\n${stderr}`)),
        90_000,
      );
      const check = async () => {
        const quickDone = (stdout.match(/ pass {8}slow\/quick-\d/g) ?? []).length === 2;
        // Other tools (tsx's cache, for one) may write to TMPDIR too: wait for the run's own root.
        const entries: string[] = await readdir(temp).catch(() => []);
        const dataDirs = entries.some((name) => name.startsWith("driver-cert-run-"));
        if (quickDone && dataDirs) {
          clearTimeout(deadline);
          resolve();
        } else setTimeout(check, 200);
      };
      child.stdout.on("data", (chunk) => {
        stdout += String(chunk);
      });
      void check();
    });
    const runRoots = await readdir(temp);
    expect(runRoots.some((name) => name.startsWith("driver-cert-run-"))).toBe(true);
    const sentAt = Date.now();
    child.kill("SIGINT");
    const { code } = await exited;
    expect(code).toBe(130);
    // The slow tests wait 60 s: the run stopped them instead of waiting.
    expect(Date.now() - sentAt).toBeLessThan(30_000);
    expect(stderr).toContain("driver-cert: interrupted");
    expect(stdout).toContain("verdict: INTERRUPTED (exit 130)");
    const report = reportSchema.parse(
      JSON.parse(await readFile(join(outDir, "report.json"), "utf8")),
    );
    expect(report.run.interrupted).toBe(true);
    expect(report.verdict).toMatchObject({ gate: "interrupted", exitCode: 130 });
    expect(report.verdict.reasons[0]).toBe("interrupted (SIGINT) after 2 test(s) finished");
    const status = Object.fromEntries(
      report.tests.filter((t) => t.suite === "slow").map((t) => [t.id, t.status]),
    );
    expect(status).toEqual({
      "slow/quick-1": "pass",
      "slow/quick-2": "pass",
      "slow/waits-1": "skipped",
      "slow/waits-2": "skipped",
      "slow/waits-3": "skipped",
      "slow/waits-4": "skipped",
    });
    expect(report.tests.find((t) => t.id === "slow/waits-1")?.reason).toBe(
      "not run: the run was interrupted (SIGINT)",
    );
    expect(await readFile(join(outDir, "junit.xml"), "utf8")).toContain('type="interrupted"');
    // Every temporary directory of the run is gone (run root, test data dirs, bail flag).
    expect((await readdir(temp)).filter((name) => name.startsWith("driver-cert-"))).toEqual([]);
  });
});

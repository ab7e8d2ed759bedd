/**
 * The main job on a fresh clone, and the reference drivers' certificates: `driver-cert run`
 * with no module certifies the memory driver, and the file-system driver certifies with every
 * capability, restart suite included. Both exit 0 with no failed test in any cell, and the sleep
 * suite passes in every cell of the matrix.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { reportSchema } from "../harness/report/model.ts";

const CASES = [
  {
    label: "no module (the memory reference driver)",
    args: [] as string[],
    level: "certified (core + websocket + sse + schedule + sleep)",
    /** Sleep tests this driver may not run (they need `durable`). */
    sleepUnsupported: ["sleep/alarm-wakes-after-restart"],
  },
  {
    label: "reference-drivers/file-system",
    args: ["reference-drivers/file-system"],
    level: "certified (core + websocket + sse + schedule + durable + sleep)",
    sleepUnsupported: [] as string[],
  },
];

describe("driver-cert run on the reference drivers", () => {
  for (const c of CASES) {
    test(`${c.label} certifies and exits 0`, { timeout: 600_000 }, async () => {
      const out = await mkdtemp(join(tmpdir(), "driver-cert-reference-"));
      try {
        const child = spawnSync(
          process.execPath,
          ["bin/driver-cert.mjs", "run", ...c.args, "--out", out],
          { encoding: "utf8", timeout: 580_000 },
        );
        const report = reportSchema.parse(
          JSON.parse(await readFile(join(out, "report.json"), "utf8")),
        );
        const broken = report.tests.filter((t) => t.status === "fail" || t.status === "timeout");
        expect(
          broken.map((t) => `${t.id}: ${t.error?.message}`),
          child.stdout.slice(-2000),
        ).toEqual([]);
        expect(report.level.reasons).toEqual([]);
        expect(report.level.name).toBe(c.level);
        // The sleep suite ran and passed in every cell (the "Done when").
        const sleep = report.tests.filter((t) => t.id.startsWith("sleep/"));
        expect(sleep.length, "sleep cases planned").toBeGreaterThan(40);
        expect(sleep.filter((t) => t.status !== "pass").map((t) => `${t.id}: ${t.status}`)).toEqual(
          c.sleepUnsupported.map((id) => `${id}: unsupported`),
        );
        expect(child.status, child.stderr.slice(-2000)).toBe(0);
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    });
  }
});

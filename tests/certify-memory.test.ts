/**
 * The main job on a fresh clone: `driver-cert run` with no module certifies the memory
 * reference driver and exits 0. Runs once the runtime pieces and the suite list exist.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { reportSchema } from "../harness/report/model.ts";
import { suites } from "../harness/suites/index.ts";

const PIECES = [
  "reference-drivers/memory/index.ts",
  "runtime/driver/index.ts",
  "runtime/client/index.ts",
  "runtime/routing/node-server.ts",
  "harness/fixtures/registry.ts",
];
const ready = PIECES.every((p) => existsSync(p)) && suites.length > 0;

describe.skipIf(!ready)("driver-cert run with no module", () => {
  test("certifies the memory reference driver and exits 0", { timeout: 300_000 }, async () => {
    const out = await mkdtemp(join(tmpdir(), "driver-cert-memory-"));
    try {
      const child = spawnSync(process.execPath, ["bin/driver-cert.mjs", "run", "--out", out], {
        encoding: "utf8",
        timeout: 280_000,
      });
      const report = reportSchema.parse(
        JSON.parse(await readFile(join(out, "report.json"), "utf8")),
      );
      const broken = report.tests.filter((t) => t.status === "fail" || t.status === "timeout");
      expect(
        broken.map((t) => `${t.id}: ${t.error?.message}`),
        child.stdout.slice(-2000),
      ).toEqual([]);
      expect(report.level.reasons).toEqual([]);
      expect(report.level.name).toBe("certified (core + websocket + sse + schedule)");
      expect(child.status).toBe(0);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

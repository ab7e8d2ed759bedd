/**
 * The Cloudflare Workers reference driver's certificate: `driver-cert run
 * reference-drivers/cloudflare-workers` runs every suite its capabilities select (durable,
 * schedule, sleep and the crash suite included) against real workerd from the miniflare dev
 * dependency, and exits 0 with no failed test in any cell. Also: a start without miniflare
 * installed fails with a coded error naming the install command.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { reportSchema } from "../harness/report/model.ts";
import {
  importMiniflare,
  MINIFLARE_VERSION,
} from "../reference-drivers/cloudflare-workers/runtime-pool.ts";

describe("driver-cert run reference-drivers/cloudflare-workers", () => {
  test("certifies in every cell, crash and sleep suites included, and exits 0", {
    timeout: 900_000,
  }, async () => {
    const out = await mkdtemp(join(tmpdir(), "driver-cert-cloudflare-"));
    try {
      const child = spawnSync(
        process.execPath,
        ["bin/driver-cert.mjs", "run", "reference-drivers/cloudflare-workers", "--out", out],
        { encoding: "utf8", timeout: 880_000 },
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
      expect(report.level.name).toBe(
        "certified (core + websocket + sse + schedule + durable + sleep)",
      );
      for (const suite of ["crash/", "sleep/", "schedule/", "restart/"]) {
        const ran = report.tests.filter((t) => t.id.startsWith(suite));
        expect(ran.length, `${suite} tests planned`).toBeGreaterThan(0);
        expect(
          ran.every((t) => t.status === "pass"),
          `${suite} all passed`,
        ).toBe(true);
      }
      expect(child.status, child.stderr.slice(-2000)).toBe(0);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });

  test("without miniflare, a start fails driver_error naming the install command", async () => {
    await expect(importMiniflare("miniflare-that-is-not-installed")).rejects.toMatchObject({
      code: "driver_error",
      message: expect.stringContaining(`npm i -D miniflare@${MINIFLARE_VERSION}`),
    });
    // A dev dependency, pinned to the version the message names; never a runtime one.
    const manifest = JSON.parse(await readFile("package.json", "utf8"));
    expect(manifest.devDependencies.miniflare).toBe(MINIFLARE_VERSION);
    expect(manifest.dependencies.miniflare).toBeUndefined();
  });
});

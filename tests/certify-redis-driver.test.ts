/**
 * The Redis driver against a real redis-server started here (unix socket in a temp directory,
 * append-only with fsync on every write, stopped afterwards), passed as REDIS_URL: the
 * distributed suite, kills and pauses included, with no failed test. The whole certification
 * does not pass yet (reference-drivers/redis/README.md, "Status"), so it is not gated here.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { reportSchema } from "../harness/report/model.ts";
import { type RedisHandle, startRedisServer } from "../reference-drivers/redis/redis-server.ts";

/** Budget of the whole certification run, in ms. */
const RUN_MS = 1_080_000;

let dir: string;
let redis: RedisHandle;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "driver-cert-redis-"));
  redis = await startRedisServer(join(dir, "redis"));
});

afterAll(async () => {
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Runs the CLI to completion; resolves its exit code and the tail of its output. */
function runCli(args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ status: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, ["bin/driver-cert.mjs", ...args], { env });
    let output = "";
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_MS - 20_000);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

describe("driver-cert run reference-drivers/redis", () => {
  test("passes the distributed suite in every cell and exits 0", {
    timeout: RUN_MS,
  }, async () => {
    const out = join(dir, "out");
    const started = performance.now();
    const { status, output } = await runCli(
      ["run", "reference-drivers/redis", "--suite", "distributed", "--out", out],
      {
        ...process.env,
        REDIS_URL: redis.url,
      },
    );
    const written = await readFile(join(out, "report.json"), "utf8").catch(() => undefined);
    expect(written, `no report was written; the run said:\n${output}`).toBeDefined();
    const report = reportSchema.parse(JSON.parse(written!));
    const broken = report.tests.filter((t) => t.status === "fail" || t.status === "timeout");
    expect(
      broken.map((t) => `${t.id}: ${t.error?.message}`),
      output,
    ).toEqual([]);
    const distributed = report.tests.filter((t) => t.id.startsWith("distributed/"));
    expect(distributed.length, "distributed tests in the report").toBeGreaterThan(10);
    expect(distributed.filter((t) => t.status !== "pass").map((t) => t.id)).toEqual([]);
    expect(status, output).toBe(0);
    console.log(
      `redis distributed suite: ${report.tests.filter((t) => t.status === "pass").length} passed in ${Math.round((performance.now() - started) / 1000)} s`,
    );
  });

  test("without REDIS_URL and without redis-server on the PATH, run exits 2 with one line", {
    timeout: 60_000,
  }, async () => {
    const { status, output } = await runCli(
      ["run", "reference-drivers/redis", "--out", join(dir, "none")],
      {
        ...process.env,
        REDIS_URL: "",
        // An empty directory: no redis-server to find (node itself is run by absolute path).
        PATH: await mkdtemp(join(dir, "no-redis-")),
      },
    );
    expect(status, output).toBe(2);
    const lines = output.trim().split("\n");
    expect(lines, output).toHaveLength(1);
    expect(lines[0]).toMatch(/could not be started: .*set REDIS_URL .*install redis-server/);
  });
});

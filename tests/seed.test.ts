/**
 * `--seed`: a run's generated inputs come from its seed; the seed is in report.json and
 * summary.md, and the same seed draws the same inputs again; a failing property names its
 * shrunk input.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { runCertification } from "../harness/certify.ts";
import { UsageError } from "../harness/errors.ts";
import { caseSeed } from "../harness/seed.ts";

const SUITES = "tests/fixtures/suites/seeded-suites.ts";
const sink = () => new Writable({ write: (_chunk, _encoding, done) => done() });

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "driver-cert-seed-"));
});
afterAll(() => rm(out, { recursive: true, force: true }));

async function run(seed: number | undefined, dir: string) {
  const result = await runCertification({
    suitesModule: SUITES,
    seed,
    outDir: join(out, dir),
    reporters: ["json", "markdown"],
    stdout: sink(),
    stderr: sink(),
    workers: 1,
  });
  if (result.kind !== "run") throw new Error(`expected a run, got ${result.kind}`);
  const summary = await readFile(join(out, dir, "summary.md"), "utf8");
  const messages = result.report.tests.map((t) => t.error?.message ?? "");
  return { report: result.report, summary, messages };
}

describe("--seed", () => {
  test("the same seed draws the same inputs; another seed others; the seed is reported", {
    timeout: 120_000,
  }, async () => {
    const [a, b, c] = await Promise.all([run(42, "a"), run(42, "b"), run(43, "c")]);
    expect(a.report.run.seed).toBe(42);
    expect(a.summary).toContain("seed 42 (replay: `--seed 42`)");
    const drawn = (r: typeof a) => r.messages.find((m) => m.startsWith("drawn: "));
    expect(drawn(a), "inputs were drawn").toMatch(/^drawn: \[.+\]$/);
    expect(drawn(b), "--seed 42 again draws the same inputs").toBe(drawn(a));
    expect(drawn(c), "--seed 43 draws other inputs").not.toBe(drawn(a));
    const shrunk = a.messages.find((m) => m.startsWith("numbers below 50"));
    expect(shrunk, "the failure names the smallest failing input").toContain("fails for 50 ");
  });

  test("a run without --seed gets a random one and reports it", { timeout: 60_000 }, async () => {
    const { report, summary } = await run(undefined, "random");
    expect(Number.isInteger(report.run.seed)).toBe(true);
    expect(summary).toContain(`--seed ${report.run.seed}`);
  });

  test("a seed outside 0..2^32-1 is a usage error", async () => {
    await expect(
      runCertification({ suitesModule: SUITES, seed: -1, stdout: sink() }),
    ).rejects.toThrow(UsageError);
  });

  test("each test's seed depends on the run's seed and its id only", () => {
    expect(caseSeed(42, "a/b")).toBe(caseSeed(42, "a/b"));
    expect(caseSeed(42, "a/b")).not.toBe(caseSeed(42, "a/c"));
    expect(caseSeed(42, "a/b")).not.toBe(caseSeed(43, "a/b"));
  });
});

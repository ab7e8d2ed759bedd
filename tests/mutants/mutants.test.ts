/**
 * Suite power: every mutant driver in tests/mutants/ (a reference driver with one rule of
 * docs/CONTRACT.md broken) must be rejected by `runCertification`, by a failed or timed-out test
 * citing the clause the mutant declares. The tests that caught a mutant must pass on the
 * reference drivers, so a rejection is the mutation's doing. Prints the mutation score and the
 * clauses no mutant covers yet. Catalogue and last results: docs/mutants.md.
 *
 * All mutants are certified in one batch (`runCertifications`: one vitest run whose workers load
 * the runtime and the suites once), then the catching tests on both reference drivers in a
 * second one; each mutant's test checks its own run's report.
 */
import { readdirSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type CertificationOptions,
  type CertificationResult,
  exitCodeFor,
  runCertifications,
} from "../../harness/certify.ts";
import { CLAUSES, findClause } from "../../harness/clauses.ts";
import { DriverLoadError } from "../../harness/errors.ts";
import { type CertificationReport, reportSchema } from "../../harness/report/model.ts";
import { suites as allSuites } from "../../harness/suites/index.ts";
import type { MutantSpec } from "./support/mutate.ts";

const DIR = fileURLToPath(new URL(".", import.meta.url));
const REFERENCE_DRIVERS = [
  "reference-drivers/memory/index.ts",
  "reference-drivers/file-system/index.ts",
];
/** A timed-out test must end within this (ms): its budget plus teardown, far below a hang. */
const TIMEOUT_BOUND_MS = 20_000;
/** Budget of the batch of every mutant's certification, in ms. */
const BATCH_BUDGET_MS = 900_000;

interface Mutant {
  name: string;
  path: string;
  spec: MutantSpec;
}

interface Outcome {
  name: string;
  clause: string;
  /** `<status> <test id>` of each test citing the clause that rejected the mutant. */
  caughtBy: string[];
}

const mutants: Mutant[] = await Promise.all(
  readdirSync(DIR)
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".test.ts"))
    .sort()
    .map(async (file) => {
      const path = join(DIR, file);
      const spec = ((await import(path)) as { mutant?: MutantSpec }).mutant;
      if (!spec) throw new TypeError(`${file} exports no \`mutant\` spec`);
      return { name: basename(file, ".ts"), path, spec };
    }),
);

const outcomes = new Map<string, Outcome>();

function testName(mutant: Mutant): string {
  return `${mutant.name} (${mutant.spec.clause})`;
}
/** Mutants whose test started (a `-t` filter may run only some). */
const started = new Set<string>();
const sink = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "driver-cert-mutants-"));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

/** The options certifying `driverModule` on a selection, its JSON report written to `dir`. */
function certifyOptions(
  driverModule: string,
  spec: Pick<MutantSpec, "suites" | "grep" | "transport">,
  dir: string,
): CertificationOptions {
  return {
    driverModule,
    suites: spec.suites,
    grep: spec.grep,
    transport: spec.transport,
    outDir: dir,
    reporters: ["json"],
    stdout: sink(),
    stderr: sink(),
  };
}

/** A run's result and its JSON report as read back from `dir`. */
async function readRun(settled: PromiseSettledResult<CertificationResult>, dir: string) {
  if (settled.status === "rejected") throw settled.reason;
  const result = settled.value;
  if (result.kind !== "run") throw new Error(`expected a run, got ${result.kind}`);
  const report: CertificationReport = reportSchema.parse(
    JSON.parse(await readFile(join(dir, "report.json"), "utf8")),
  );
  return { result, report };
}

describe("mutant catalogue", () => {
  test("each mutant names a known clause and suites that test it", () => {
    expect(mutants.length, "mutants in tests/mutants/").toBeGreaterThanOrEqual(90);
    const suiteNames = new Map(allSuites.map((s) => [s.name, s]));
    for (const { name, spec } of mutants) {
      expect(findClause(spec.clause), `${name}: clause ${spec.clause}`).toBeDefined();
      expect(spec.description.length, `${name}: description`).toBeGreaterThan(10);
      if (spec.rejectedAt === "load") continue;
      for (const suite of spec.suites) {
        expect(suiteNames.has(suite), `${name}: suite ${suite} exists`).toBe(true);
      }
      const cites = spec.suites.some((s) =>
        suiteNames
          .get(s)
          ?.tests()
          .some((t) => t.clause.id === spec.clause),
      );
      expect(cites, `${name}: one of ${spec.suites.join(", ")} has a test of ${spec.clause}`).toBe(
        true,
      );
    }
  });
});

describe("every mutant is rejected by a test citing its clause", () => {
  /** Each selected mutant's settled certification, by name. */
  const runs = new Map<string, PromiseSettledResult<CertificationResult>>();
  // biome-ignore lint/correctness/noEmptyPattern: vitest requires a destructuring pattern first.
  beforeAll(async ({}, suite) => {
    // The tests a `-t` filter keeps are the ones left in "run" mode.
    const selected = mutants.filter((m) =>
      suite.tasks.some((t) => t.name === testName(m) && t.mode === "run"),
    );
    // The crash suite's catches depend on kill timing: its mutants run after the others, one
    // crash loop per worker, as they would in a run of their own, not beside other cases.
    const crash = (m: Mutant) => m.spec.suites.includes("crash");
    for (const [group, batch] of [
      [selected.filter((m) => !crash(m)), {}],
      [selected.filter(crash), { concurrency: 1 }],
    ] as const) {
      const settled = await runCertifications(
        group.map((m) => certifyOptions(m.path, m.spec, join(out, m.name))),
        batch,
      );
      for (const [i, m] of group.entries()) runs.set(m.name, settled[i]);
    }
  }, BATCH_BUDGET_MS);

  for (const mutant of mutants) {
    test(testName(mutant), async () => {
      const { spec } = mutant;
      started.add(mutant.name);
      const settled = runs.get(mutant.name);
      if (!settled) throw new Error(`${mutant.name}: the batch did not run it`);
      const dir = join(out, mutant.name);
      if (spec.rejectedAt === "load") {
        const error = settled.status === "rejected" ? settled.reason : undefined;
        expect(error, `${mutant.name}: the loader refuses it`).toBeInstanceOf(DriverLoadError);
        expect(exitCodeFor(error), "exit code 2: the driver could not be loaded").toBe(2);
        const message = (error as Error).message;
        expect(message, "the loader names what is wrong").toContain(spec.loadMessage ?? "");
        outcomes.set(mutant.name, {
          name: mutant.name,
          clause: spec.clause,
          caughtBy: [`refused at load: ${message.split(";")[0]}`],
        });
        return;
      }
      const { result, report } = await readRun(settled, dir);
      const ran = report.tests.filter((t) => !["skipped", "unsupported"].includes(t.status));
      const broken = ran.filter((t) => t.status === "fail" || t.status === "timeout");
      const caught = broken.filter((t) => t.clause === spec.clause);
      const shown = broken.map((t) => `${t.status} ${t.id} (${t.clause}): ${t.error?.message}`);
      expect(ran.length, `${mutant.name}: its selection ran some tests`).toBeGreaterThan(0);
      expect(report.harnessErrors, `${mutant.name}: harness errors`).toEqual([]);
      expect(
        caught.length,
        `${mutant.name} survived: no failed test cites ${spec.clause}; broken: ${shown.join("\n")}`,
      ).toBeGreaterThan(0);
      expect(exitCodeFor(result), `${mutant.name}: the run exits 1`).toBe(1);
      if (spec.expectStatus === "timeout") {
        const timedOut = caught.filter((t) => t.status === "timeout");
        expect(timedOut.length, `${mutant.name}: a late answer is a timeout`).toBeGreaterThan(0);
        // Within the test's own budget (10 s) and teardown (5 s): not a hang until the answer.
        for (const t of timedOut) {
          expect(t.durationMs, `${t.id} ended within its budget`).toBeLessThan(TIMEOUT_BOUND_MS);
        }
      }
      outcomes.set(mutant.name, {
        name: mutant.name,
        clause: spec.clause,
        caughtBy: caught.map((t) => `${t.status} ${t.id}`),
      });
    });
  }
});

describe("the tests that rejected mutants pass on the reference drivers", () => {
  // The catching tests include the crash suite's 20 kills on the file-system driver.
  test("no reference driver fails a catching test, and one passes each", {
    timeout: 900_000,
  }, async () => {
    const ids = [...new Set([...outcomes.values()].flatMap((o) => o.caughtBy))]
      .filter((line) => !line.startsWith("refused at load"))
      .map((line) => line.slice(line.indexOf(" ") + 1));
    expect(ids.length, "catching tests to re-run (the mutant runs came first)").toBeGreaterThan(0);
    const grep = `^(?:${ids.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")}) `;
    const suites = [...new Set(ids.map((id) => id.slice(0, id.indexOf("/"))))];
    const status = new Map<string, string[]>();
    const dirs = REFERENCE_DRIVERS.map((_, i) => join(out, `reference-${i}`));
    const settled = await runCertifications(
      REFERENCE_DRIVERS.map((driver, i) => certifyOptions(driver, { suites, grep }, dirs[i])),
    );
    for (const [i, run] of settled.entries()) {
      const { report } = await readRun(run, dirs[i]);
      for (const t of report.tests) {
        if (ids.includes(t.id)) status.set(t.id, [...(status.get(t.id) ?? []), t.status]);
      }
    }
    const bad = ids.filter((id) => {
      const seen = status.get(id) ?? [];
      return !seen.includes("pass") || seen.some((s) => s === "fail" || s === "timeout");
    });
    expect(bad.map((id) => `${id}: ${status.get(id)?.join(", ") ?? "not run"}`)).toEqual([]);
  });
});

afterAll(() => {
  const rejected = [...outcomes.values()];
  const covered = new Set(mutants.map((m) => m.spec.clause));
  const uncovered = CLAUSES.filter((c) => !covered.has(c.id)).map((c) => `${c.id} (${c.level})`);
  const pct = mutants.length === 0 ? 0 : Math.round((1000 * rejected.length) / mutants.length) / 10;
  const lines = [
    "",
    `mutation score: ${rejected.length}/${mutants.length} rejected (${pct}%)` +
      (started.size < mutants.length
        ? `; ${mutants.length - started.size} not run (filtered)`
        : ""),
    ...mutants.map((m) => {
      const o = outcomes.get(m.name);
      const verdict = o ? "rejected" : started.has(m.name) ? "SURVIVED" : "not run ";
      return `  ${verdict}  ${m.name} [${m.spec.clause}]${o ? `: ${o.caughtBy.join("; ")}` : ""}`;
    }),
    `clauses no mutant covers yet (${uncovered.length}): ${uncovered.join(", ")}`,
    "",
  ];
  process.stdout.write(lines.join("\n"));
});

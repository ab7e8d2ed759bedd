/**
 * `runDriverTests` (driver-cert/vitest) inside a driver author's vitest run: the same tests with
 * the same ids as `driver-cert run` plans (named `<id> (<clause>): <title>`), unsupported tests
 * skipped with their reason, driver failures failing, an unfiltered run failing when a MUST
 * clause has no test (as the CLI does), and an invalid driver failing collection.
 */
import { resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { loadDriverModule } from "../harness/load-driver.ts";
import { planRun, registeredCases } from "../harness/matrix.ts";
import { COVERAGE_TEST_NAME, loadSuites } from "../harness/register.ts";
import { runEntry } from "./support/run-entry.ts";

async function planned(driver: string, suites?: string[]) {
  const importer = (url: string) => import(/* @vite-ignore */ url);
  const { definition } = await loadDriverModule(driver, importer);
  const list = await loadSuites(resolve("tests/fixtures/suites/tiny-suites.ts"), importer);
  const plan = planRun(list, {
    driverName: definition.name,
    capabilities: definition.capabilities,
    filters: { suites },
  });
  return registeredCases(plan);
}

describe("runDriverTests", () => {
  test("registers the planned tests with the same ids, named `<id> (<clause>): <title>`", {
    timeout: 120_000,
  }, async () => {
    const { tests: all, moduleErrors } = await runEntry(
      "tests/fixtures/vitest/tiny-driver.entry.ts",
    );
    expect(moduleErrors).toEqual([]);
    const cases = await planned("tests/fixtures/drivers/tiny-driver.ts");
    const tests = all.filter((t) => t.name !== COVERAGE_TEST_NAME);
    expect(tests.map((t) => t.id).sort()).toEqual(cases.map((c) => c.id).sort());
    for (const c of cases) {
      const name = `${c.id} (${c.test.clause.id}): ${c.test.title}`;
      expect(tests.find((t) => t.id === c.id)?.name).toBe(name);
    }
    const sse = tests.find((t) => t.id.endsWith("[transport=sse,encoding=json]"));
    expect(sse).toMatchObject({
      state: "skipped",
      note: 'unsupported: sse not declared by driver "tiny"',
    });
    expect(tests.filter((t) => t.state === "failed")).toEqual([]);
    // Unfiltered: like `driver-cert run`, clauses without a test keep the driver uncertified.
    const coverage = all.filter((t) => t.name === COVERAGE_TEST_NAME);
    expect(coverage).toHaveLength(1);
    expect(coverage[0].state).toBe("failed");
    expect(coverage[0].error).toMatch(/^driver "tiny" is not certified: MUST DRV-2 has no test; /);
    expect(coverage[0].error).toContain("; MUST MGR-1 has no test;");
    // The clause the tiny suites do cover, and one needing an undeclared capability, are absent.
    expect(coverage[0].error).not.toContain("MUST MGR-5 ");
    expect(coverage[0].error).not.toMatch(/MUST SCHED-\d/);
  });

  test("loads a driver by path, applies filters, and fails what the driver breaks", {
    timeout: 120_000,
  }, async () => {
    const { tests } = await runEntry("tests/fixtures/vitest/by-path.entry.ts");
    const states = Object.fromEntries(tests.map((t) => [t.id, t.state]));
    expect(states).toEqual({
      "tiny-manager/createactor-on-a-taken-name-and-key-rejects-with-actor-already-exists":
        "failed",
      "tiny-manager/get-for-id-unknown": "failed",
      "tiny-manager/getwithkey-never-creates-an-actor": "passed",
    });
  });

  test("an invalid definition fails collection with the load message", {
    timeout: 120_000,
  }, async () => {
    const { tests, moduleErrors } = await runEntry("tests/fixtures/vitest/invalid-driver.entry.ts");
    expect(tests).toEqual([]);
    expect(moduleErrors.join("\n")).toMatch(
      /runDriverTests\(driver\): invalid driver definition: "start" is missing .*driver-cert supports contract version 1/,
    );
  });
});

/**
 * `runDriverTests` (driver-cert/vitest) inside a driver author's vitest run: the same tests with
 * the same ids as `driver-cert run` plans, unsupported tests skipped with their reason, driver
 * failures failing, and an invalid driver failing collection with the load message.
 */
import { resolve } from "node:path";
import { describe, expect, test } from "vitest";
import { createVitest, type TestCase, type TestModule } from "vitest/node";
import { loadDriverModule } from "../harness/load-driver.ts";
import { planRun, registeredCases } from "../harness/matrix.ts";
import { loadSuites } from "../harness/register.ts";

interface Seen {
  id: string;
  name: string;
  state: string;
  note?: string;
}

async function runEntry(entry: string): Promise<{ tests: Seen[]; moduleErrors: string[] }> {
  const tests: Seen[] = [];
  const moduleErrors: string[] = [];
  const reporter = {
    onTestCaseResult(testCase: TestCase) {
      const result = testCase.result();
      tests.push({
        id: testCase.meta().driverCert?.id ?? "",
        name: testCase.name,
        state: result.state,
        note: result.state === "skipped" ? result.note : undefined,
      });
    },
    onTestModuleEnd(module: TestModule) {
      moduleErrors.push(...module.errors().map((e) => e.message));
    },
  };
  const exitCode = process.exitCode;
  const vitest = await createVitest(
    "test",
    { config: false, root: process.cwd(), include: [entry], watch: false, reporters: [reporter] },
    {},
  );
  try {
    await vitest.start();
  } finally {
    await vitest.close();
    process.exitCode = exitCode;
  }
  return { tests, moduleErrors };
}

async function plannedIds(driver: string, suites?: string[]) {
  const importer = (url: string) => import(/* @vite-ignore */ url);
  const { definition } = await loadDriverModule(driver, importer);
  const list = await loadSuites(resolve("tests/fixtures/suites/tiny-suites.ts"), importer);
  const plan = planRun(list, {
    driverName: definition.name,
    capabilities: definition.capabilities,
    filters: { suites },
  });
  return registeredCases(plan).map((c) => c.id);
}

describe("runDriverTests", () => {
  test("registers the planned tests with the same ids, named `<id>: <title>`", {
    timeout: 120_000,
  }, async () => {
    const { tests, moduleErrors } = await runEntry("tests/fixtures/vitest/tiny-driver.entry.ts");
    expect(moduleErrors).toEqual([]);
    expect(tests.map((t) => t.id).sort()).toEqual(
      (await plannedIds("tests/fixtures/drivers/tiny-driver.ts")).sort(),
    );
    for (const t of tests) expect(t.name.startsWith(`${t.id}: `)).toBe(true);
    const sse = tests.find((t) => t.id.endsWith("[transport=sse,encoding=json]"));
    expect(sse).toMatchObject({
      state: "skipped",
      note: 'unsupported: sse not declared by driver "tiny"',
    });
    expect(tests.filter((t) => t.state === "failed")).toEqual([]);
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

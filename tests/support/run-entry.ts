/**
 * Runs one vitest file in process through vitest's Node API, as a driver author's `vitest run`
 * would, and records each test's state, note, first error and annotations.
 */
import { createVitest, type TestCase, type TestModule } from "vitest/node";

/** One test as the author's vitest saw it. */
export interface Seen {
  id: string;
  name: string;
  state: string;
  note?: string;
  error?: string;
  annotations: { type: string; message: string }[];
}

/** Runs `entry` (a path relative to the working directory); never leaves process.exitCode set. */
export async function runEntry(entry: string): Promise<{ tests: Seen[]; moduleErrors: string[] }> {
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
        error: result.state === "failed" ? result.errors[0]?.message : undefined,
        annotations: testCase.annotations().map((a) => ({ type: a.type, message: a.message })),
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

/**
 * Registering planned cases as vitest tests, shared by `driver-cert run` (harness/run/entry.ts)
 * and `runDriverTests` (harness/vitest.ts) so both give the same tests the same ids; and
 * loading the suite list.
 */
import { fileURLToPath, pathToFileURL } from "node:url";
import { describe, test } from "vitest";
import { HarnessError } from "./errors.ts";
import type { ModuleImporter } from "./load-driver.ts";
import type { Plan, PlannedCase } from "./matrix.ts";
import { packageModuleUrl } from "./package-info.ts";
import { untestedMustClauses } from "./report/build.ts";
import { type CaseEnvironment, caseMeta, caseName, RUNNER_MARGIN_MS, runCase } from "./run-case.ts";
import type { SuiteDefinition } from "./suite-api.ts";

/** The suite list `driver-cert run` uses unless told otherwise. */
export const DEFAULT_SUITES_MODULE = fileURLToPath(
  packageModuleUrl("./suites/index.ts", import.meta.url),
);

/** The name of the describe block every registration uses. */
export const ROOT_DESCRIBE = "driver-cert";

export interface RegisterOptions {
  /** Run the cases of this file concurrently (bounded by vitest's maxConcurrency). */
  concurrent?: boolean;
  /** `--repeat N`: register each case N times, each attempt its own vitest test. */
  repeat?: number;
}

/**
 * Registers one vitest test per case, in order, inside the current describe block. Cases planned
 * unsupported or skipped are registered too and skip at run time with their reason as the note.
 */
export function registerCases(
  cases: readonly PlannedCase[],
  env: CaseEnvironment,
  options: RegisterOptions = {},
): void {
  const attempts = Math.max(1, options.repeat ?? 1);
  for (const planned of cases) {
    for (let attempt = 1; attempt <= attempts; attempt++) {
      test(
        caseName(planned, attempt, attempts),
        {
          meta: { driverCert: caseMeta(planned, attempt, attempts, env.run) },
          timeout: planned.timeoutMs + RUNNER_MARGIN_MS,
          concurrent: options.concurrent === true,
        },
        (ctx) => runCase(planned, env, ctx, attempt, attempts),
      );
    }
  }
}

/** The name of the clause-coverage test registerClauseCoverage() adds. */
export const COVERAGE_TEST_NAME =
  "certification: every MUST clause for the declared capabilities has a test";

/**
 * For an unfiltered plan (a partial run never certifies), registers one more test that fails
 * like `driver-cert run` does when a MUST clause the manifest covers has no test: the message
 * lists "MUST <id> has no test" for each. Registers nothing for a partial plan.
 */
export function registerClauseCoverage(plan: Plan): void {
  if (plan.partial) return;
  const missing = untestedMustClauses(plan);
  test(COVERAGE_TEST_NAME, () => {
    if (missing.length === 0) return;
    throw new Error(
      `driver "${plan.driverName}" is not certified: ${missing.map((id) => `MUST ${id} has no test`).join("; ")}`,
    );
  });
}

/** Wraps registration in the shared describe block (async: it may import modules first). */
export function describeCertification(register: () => Promise<void>): void {
  describe(ROOT_DESCRIBE, register);
}

/**
 * Imports a suite list module (its `suites` export: SuiteDefinition[]). Throws HarnessError
 * (`invalid_suite`) when the module has no such export or an entry is not a suite.
 */
export async function loadSuites(
  path: string,
  importer: ModuleImporter,
): Promise<SuiteDefinition[]> {
  const namespace = (await importer(pathToFileURL(path).href)) as { suites?: unknown };
  const suites = namespace?.suites;
  if (!Array.isArray(suites)) {
    throw new HarnessError(
      "invalid_suite",
      `${path} must export "suites", an array of defineSuite(...) results`,
    );
  }
  suites.forEach((suite, i) => {
    if (typeof suite?.name !== "string" || typeof suite?.tests !== "function") {
      throw new HarnessError(
        "invalid_suite",
        `${path}: suites[${i}] is not a defineSuite(...) result`,
      );
    }
  });
  return suites as SuiteDefinition[];
}

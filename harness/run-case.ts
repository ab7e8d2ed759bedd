/**
 * Runs one planned case inside a vitest test: attaches its metadata (id, clause, cell) to the
 * task for the collector, sets up the context, runs the body under the case's budget, and tears
 * everything down whatever happened, reporting leaks against the test.
 */
import type { ExpectStatic } from "vitest";
import type { DriverDefinition } from "../runtime/driver/index.ts";
import { HarnessError, HarnessTimeoutError } from "./errors.ts";
import type { PlannedCase, PlannedStatus } from "./matrix.ts";
import { describeLeaks, type LeakCount } from "./resource-tracker.ts";
import { bailRaised, NOT_RUN_AFTER_BAIL, raiseBail } from "./run/bail-signal.ts";
import type { RuntimeBindings } from "./runtime-bindings.ts";
import { caseSeed, runSeed } from "./seed.ts";
import type { Cell } from "./suite-api.ts";
import { CaseContext } from "./test-context.ts";

/** What a vitest task carries for the collector (`task.meta.driverCert`); JSON only. */
export interface CaseMeta {
  id: string;
  suite: string;
  title: string;
  clause: string;
  clauseLevel: "MUST" | "SHOULD";
  cell: Cell;
  /** The axes in the id's cell suffix. */
  axes: string[];
  planned: PlannedStatus;
  reason?: string;
  /** Set when the case ran out of time (a step or the whole body). */
  timedOut?: boolean;
  /** Set when the failure is the harness's own (a runtime piece failed to load...). */
  harnessError?: boolean;
  /** The step that was pending (or had just failed) when the test failed. */
  step?: string;
  /** Where the test is declared (`file:line`), as the worker's stack traces say. */
  source?: string;
  /** The index of the case's run in a batch of runs (harness/run/run-vitest.ts). */
  run?: number;
  /** `--repeat`: this attempt (1-based) out of `attempts`. */
  attempt?: number;
  attempts?: number;
  leaks?: LeakCount[];
}

declare module "vitest" {
  interface TaskMeta {
    driverCert?: CaseMeta;
  }
}

/** The slice of vitest's test context a case needs. */
export interface VitestCaseContext {
  task: { meta: { driverCert?: CaseMeta } };
  expect: ExpectStatic;
  skip(note?: string): never;
  annotate(message: string, type?: string): Promise<unknown>;
}

/** Environment shared by every case of a worker. */
export interface CaseEnvironment {
  definition: DriverDefinition;
  bindings: () => Promise<RuntimeBindings>;
  /**
   * `--bail`: the run's flag file (harness/run/bail-signal.ts). A case skips without starting
   * once it is raised, and raises it when it fails.
   */
  bailFile?: string;
  /**
   * The run's seed (harness/seed.ts); each case gets `caseSeed(seed, id)` as `t.seed`. Default:
   * one random seed per process.
   */
  seed?: number;
  /** Absolute path of the driver module, when the run has one (the crash suite needs it). */
  driverModule?: string;
  /**
   * runDriverTests: a failed SHOULD-clause case passes with a warning annotation instead of
   * failing, as `driver-cert run` counts it (a warning that does not fail the gate).
   */
  shouldFailuresWarn?: boolean;
  /** `driver-cert run`: the index of this case's run in the vitest run's batch, kept in its meta. */
  run?: number;
}

/** The seed of cases whose environment names none. */
const PROCESS_SEED = runSeed();

/** Extra vitest budget around a case's own bounds (setup, teardown), in ms. */
export const RUNNER_MARGIN_MS = 60_000;

/** The metadata of a planned case (attempt `attempt` of `attempts` under --repeat). */
export function caseMeta(planned: PlannedCase, attempt = 1, attempts = 1, run?: number): CaseMeta {
  return {
    ...(run !== undefined ? { run } : {}),
    ...(attempts > 1 ? { attempt, attempts } : {}),
    id: planned.id,
    suite: planned.test.suite,
    title: planned.test.title,
    clause: planned.test.clause.id,
    clauseLevel: planned.test.clause.level,
    cell: { ...planned.cell },
    axes: [...planned.test.axes],
    planned: planned.status,
    reason: planned.reason,
    ...(planned.test.source ? { source: planned.test.source } : {}),
  };
}

/**
 * The vitest test name of a case: its id, its clause, then its title (`<id> (KEY-2): <title>`),
 * plus ` (attempt k/N)` under --repeat.
 */
export function caseName(planned: PlannedCase, attempt = 1, attempts = 1): string {
  const suffix = attempts > 1 ? ` (attempt ${attempt}/${attempts})` : "";
  return `${planned.id} (${planned.test.clause.id}): ${planned.test.title}${suffix}`;
}

/** The case id in a vitest test name made by caseName(); the name itself when it is not one. */
export function idOfCaseName(name: string): string {
  return /^(.*) \([A-Z][A-Z0-9]*-\d+\): /.exec(name)?.[1] ?? name;
}

async function runWithDeadline(context: CaseContext, planned: PlannedCase): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const waiting = context.pendingSteps();
      const awaited = waiting.length > 0 ? waiting.join(", ") : "the test body";
      const message = `test did not finish within ${planned.timeoutMs} ms; still waiting for: ${awaited}`;
      reject(new HarnessTimeoutError(awaited, planned.timeoutMs, message));
    }, planned.timeoutMs);
  });
  try {
    await Promise.race([Promise.resolve().then(() => planned.test.run(context)), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The body of the vitest test registered for `planned`. A case planned unsupported or skipped
 * is skipped with its reason as the note. Rethrows the first failure (body, then teardown).
 */
export async function runCase(
  planned: PlannedCase,
  env: CaseEnvironment,
  vitest: VitestCaseContext,
  attempt = 1,
  attempts = 1,
): Promise<void> {
  const meta = caseMeta(planned, attempt, attempts, env.run);
  vitest.task.meta.driverCert = meta;
  if (planned.status !== "run") vitest.skip(planned.reason);
  // Checked as the case starts: a case already running when another fails still reports.
  if (env.bailFile && bailRaised(env.bailFile)) vitest.skip(NOT_RUN_AFTER_BAIL);
  const context = new CaseContext({
    planned,
    definition: env.definition,
    bindings: env.bindings,
    expect: vitest.expect,
    seed: caseSeed(env.seed ?? PROCESS_SEED, planned.id),
    driverModule: env.driverModule,
  });
  let failure: unknown;
  try {
    await context.setup();
    await runWithDeadline(context, planned);
  } catch (error) {
    failure = error;
  }
  const torn = await context.teardown();
  if (torn.leaks.length > 0) {
    meta.leaks = torn.leaks;
    await vitest.annotate(describeLeaks(torn.leaks)!, "warning");
  }
  const teardownMessages = torn.errors.map((e) => (e instanceof Error ? e.message : String(e)));
  if (failure === undefined && torn.errors.length > 0) {
    const first = torn.errors[0];
    failure = first instanceof Error ? first : new Error(String(first));
    (failure as Error).message = `teardown: ${teardownMessages.join("; ")}`;
  } else if (failure instanceof Error && teardownMessages.length > 0) {
    // The body's failure comes first; what went wrong closing up is kept beside it.
    failure.message += `\n(teardown also failed: ${teardownMessages.join("; ")})`;
  }
  if (failure === undefined) return;
  const step = context.failureStep();
  if (step) meta.step = step;
  if (env.shouldFailuresWarn && planned.test.clause.level === "SHOULD") {
    // One verdict everywhere: a failed SHOULD clause is a warning, not a failed test.
    const message = failure instanceof Error ? failure.message : String(failure);
    await vitest.annotate(
      `warning: SHOULD ${planned.test.clause.id} failed (not fatal): ${message}`,
      "warning",
    );
    return;
  }
  if (env.bailFile) raiseBail(env.bailFile, planned.id);
  if (failure instanceof HarnessTimeoutError) meta.timedOut = true;
  else if (failure instanceof HarnessError && failure.code === "harness_broken")
    meta.harnessError = true;
  throw failure;
}

/**
 * The report of a run that never started: the driver module could not be loaded (DRV-1) or the
 * driver could not be started and stopped once. It names the failure (`startError`), has the
 * verdict `error` (exit code 2), and lists the planned tests, when the plan is known, as skipped.
 */
import { describeFilters, type Plan } from "../matrix.ts";
import { assembleReport } from "./assemble.ts";
import { caseIdentity } from "./build.ts";
import type { CertificationReport, TestResult } from "./model.ts";

/** The reason of each planned test in a report whose driver did not start. */
export const NOT_RUN_NO_START = "not run: the driver could not be loaded or started";

export interface StartErrorContext {
  /** The module path as shown (relative to the working directory when inside). */
  module: string;
  /** The plan, when the driver loaded far enough to make one. */
  plan?: Plan;
  startedAt: Date;
  toolVersion: string;
}

/** The report for `error` (a DriverLoadError or DriverStartError: `code` and `message`). */
export function startErrorReport(
  error: Error & { code: string },
  context: StartErrorContext,
): CertificationReport {
  const { plan } = context;
  const tests: TestResult[] = (plan?.cases ?? []).map((c) => ({
    ...caseIdentity(c),
    status: c.status === "unsupported" ? "unsupported" : "skipped",
    durationMs: 0,
    reason: c.status === "run" ? NOT_RUN_NO_START : c.reason,
    ...(c.skipKind ? { skipKind: c.skipKind } : {}),
  }));
  const finishedAt = new Date();
  return assembleReport(
    {
      toolVersion: context.toolVersion,
      driver: {
        name: plan?.driverName ?? "(not loaded)",
        module: context.module,
        ...(plan ? { capabilities: { ...plan.capabilities } } : {}),
      },
      run: {
        startedAt: context.startedAt.toISOString(),
        finishedAt: finishedAt.toISOString(),
        durationMs: Math.max(0, finishedAt.getTime() - context.startedAt.getTime()),
        filters: plan ? describeFilters(plan.filters) : "",
        partial: plan?.partial ?? false,
        bail: false,
      },
      harnessErrors: [],
      unhandledErrors: [],
      startError: { code: error.code, message: error.message },
    },
    tests,
  );
}

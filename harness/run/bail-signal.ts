/**
 * `--bail` without cancelling vitest: a run-wide flag, a file, raised by the first failure (by
 * the worker whose case failed, and by the main process when the collector sees it) and checked
 * by every case before it starts. Cases already running finish and report what they did; cases
 * that have not started skip with NOT_RUN_AFTER_BAIL.
 *
 * vitest's own `bail` cancels the run from inside the failing test's after-hook, before that
 * test's final result is sent, and marks tests in flight as skipped: the failure itself could
 * be lost and the run exit 0. A flag only ever stops tests that never started.
 */
import { existsSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The reason of a case that never started because an earlier case failed under --bail. */
export const NOT_RUN_AFTER_BAIL = "not run: the run stopped after a failure (--bail)";

/** True once any case of the run has failed (the flag file exists). */
export function bailRaised(file: string): boolean {
  return existsSync(file);
}

/** Raises the flag, naming the case that failed; idempotent, never throws. */
export function raiseBail(file: string, failedId: string): void {
  try {
    writeFileSync(file, `${failedId}\n`, { flag: "wx" });
  } catch {
    // Already raised (EEXIST), or the run is over and its directory gone: nothing to stop.
  }
}

/** A fresh flag for one run: `path` is not raised yet; `dispose()` removes it. */
export interface BailFlag {
  readonly path: string;
  dispose(): Promise<void>;
}

/** Creates the flag of one run in a new temp directory. */
export async function createBailFlag(): Promise<BailFlag> {
  const dir = await mkdtemp(join(tmpdir(), "driver-cert-bail-"));
  return {
    path: join(dir, "failed"),
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
}

/**
 * The temporary directory of one `driver-cert run`: every test's data directory is made inside
 * it (the workers read its path from TEMP_ROOT_ENV), and the whole directory is removed when the
 * run ends, also when Ctrl-C stopped workers before their tests could tear down.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The environment variable naming the run's temp directory inside a worker. */
export const TEMP_ROOT_ENV = "DRIVER_CERT_TMPDIR";

/** A run's temp directory; `dispose()` removes it with everything inside. */
export interface TempRoot {
  readonly path: string;
  dispose(): Promise<void>;
}

/** Creates the run's temp directory under the OS temp directory (`driver-cert-run-*`). */
export async function createTempRoot(): Promise<TempRoot> {
  const path = await mkdtemp(join(tmpdir(), "driver-cert-run-"));
  return {
    path,
    dispose: () => rm(path, { recursive: true, force: true, maxRetries: 3 }),
  };
}

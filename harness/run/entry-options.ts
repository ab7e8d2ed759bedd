/**
 * What `driver-cert run` hands each vitest worker through `provide`/`inject`: JSON only, the
 * same for every part except `part` and `ids`.
 */
import type { PlanFilters } from "../matrix.ts";

export interface EntryOptions {
  /** Absolute path of the driver module. */
  driverModule: string;
  /** Absolute path of the suite list module. */
  suitesModule: string;
  filters: PlanFilters;
  /** The run's per-test budget (ms), if given. */
  timeoutMs?: number;
  /** The run's seed (harness/seed.ts). */
  seed: number;
  /** This worker's share (0-based) out of `parts`. */
  part: number;
  parts: number;
  /** The case ids this part must register, as the main process planned them. */
  ids: string[];
  /** Run this part's cases concurrently. */
  concurrent: boolean;
  /** `--bail`: the run's flag file (bail-signal.ts); absent without --bail. */
  bailFile?: string;
  /** `--repeat N`: attempts per case; absent for one. */
  repeat?: number;
  /** The run's temporary directory: test data directories are made inside it. */
  tempRoot?: string;
}

/** The `provide` key. */
export const ENTRY_KEY = "driverCert";

declare module "vitest" {
  interface ProvidedContext {
    driverCert: EntryOptions;
  }
}

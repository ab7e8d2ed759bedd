/**
 * What `driver-cert run` hands each vitest worker through `provide`/`inject`: JSON only, the
 * same for every part except `part` and each run's `ids`. A batch (several certifications in
 * one vitest run, harness/run/run-vitest.ts) hands every part all its runs.
 */
import type { PlanFilters } from "../matrix.ts";

/** One certification run of the batch, as a worker needs it. */
export interface EntryRun {
  /** Absolute path of the driver module. */
  driverModule: string;
  /** Absolute path of the suite list module. */
  suitesModule: string;
  filters: PlanFilters;
  /** The run's per-test budget (ms), if given. */
  timeoutMs?: number;
  /** The run's seed (harness/seed.ts). */
  seed: number;
  /** Where this run's deal over the parts starts (matrix.ts `casesOfPart`). */
  offset: number;
  /** The case ids this part must register for the run, as the main process planned them. */
  ids: string[];
  /** `--bail`: the run's flag file (bail-signal.ts); absent without --bail. */
  bailFile?: string;
  /** `--repeat N`: attempts per case; absent for one. */
  repeat?: number;
}

export interface EntryOptions {
  /** The runs of this vitest run, in order; a case's `meta.driverCert.run` is its index. */
  runs: EntryRun[];
  /** This worker's share (0-based) out of `parts`. */
  part: number;
  parts: number;
  /** Run this part's cases concurrently. */
  concurrent: boolean;
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

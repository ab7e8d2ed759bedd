/**
 * `bench.json`, the result of `driver-cert bench`: a stable, versioned shape (zod) that tools
 * can read without the table. `schemaVersion` rises when a field changes meaning or is removed.
 * docs/bench.md describes every field.
 */
import { z } from "zod";
import { capabilitiesSchema } from "../report/model.ts";

/** The version of bench.json's shape. */
export const BENCH_SCHEMA_VERSION = 1;

/** A bound on a ratio: at least `min` (throughput) and/or at most `max` (times, CPU). */
export const ratioLimitSchema = z
  .object({
    min: z.number().positive().optional(),
    max: z.number().positive().optional(),
  })
  .strict();
export type RatioLimit = z.infer<typeof ratioLimitSchema>;

/** One measured figure of one workload. */
export const benchRowSchema = z.object({
  /** `<workload>/<figure>`, e.g. `http-action/p99`: what a budget names. */
  id: z.string().regex(/^[a-z-]+\/[a-z0-9-]+$/),
  workload: z.string(),
  /** What was measured, in words. */
  scenario: z.string(),
  /** Which figure, in words, with its sample size: "p99 (400 sequential)". */
  figure: z.string(),
  unit: z.enum(["ms", "µs", "ops/s"]),
  /** The driver under test's figure. */
  value: z.number(),
  /** The same figure for the baseline (`memory`: the memory reference driver). */
  baseline: z.object({ label: z.string(), value: z.number() }).optional(),
  /** `value / baseline.value`; absent without a baseline. */
  ratio: z.number().optional(),
  /** The `--budget` limit on this row's ratio, if any. */
  limit: ratioLimitSchema.optional(),
  /** Whether the limit was kept; absent without a limit. */
  result: z.enum(["kept", "missed"]).optional(),
});
export type BenchResultRow = z.infer<typeof benchRowSchema>;

/**
 * How one workload went: `measured`, `failed` (an error, in `message`), `over-bound` (it did not
 * finish within `boundMs`), or `not-applicable` (the driver lacks the capability in `message`).
 */
export const workloadOutcomeSchema = z.object({
  id: z.string(),
  status: z.enum(["measured", "failed", "over-bound", "not-applicable"]),
  /** Wall time the workload took, opening included, in ms. */
  durationMs: z.number().nonnegative(),
  /** The most it was allowed, in ms. */
  boundMs: z.number().positive(),
  message: z.string().optional(),
});
export type WorkloadOutcome = z.infer<typeof workloadOutcomeSchema>;

/** A budget limit that was missed (or whose row could not be measured: `ratio` absent). */
export const missedLimitSchema = z.object({
  id: z.string(),
  limit: ratioLimitSchema,
  ratio: z.number().optional(),
  reason: z.string(),
});
export type MissedLimit = z.infer<typeof missedLimitSchema>;

/** The whole bench.json. */
export const benchReportSchema = z.object({
  schemaVersion: z.literal(BENCH_SCHEMA_VERSION),
  tool: z.object({ name: z.literal("driver-cert"), version: z.string() }),
  driver: z.object({
    name: z.string(),
    /** The module path given to `driver-cert bench`. */
    module: z.string(),
    capabilities: capabilitiesSchema,
  }),
  /** The driver every ratio is measured against, in the same run. */
  baseline: z.object({ name: z.string() }),
  run: z.object({
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime(),
    durationMs: z.number().nonnegative(),
    quick: z.boolean(),
    /** Interleaved rounds per workload. */
    rounds: z.number().int().positive(),
    /** Only these workloads were run (`--workload`); absent for all. */
    workloads: z.array(z.string()).optional(),
    node: z.string(),
    cpus: z.number().int().positive(),
    cpuModel: z.string(),
    /** os.loadavg() (1, 5 and 15 minutes) when the run started and when it ended. */
    loadAverage: z.object({
      start: z.tuple([z.number(), z.number(), z.number()]),
      end: z.tuple([z.number(), z.number(), z.number()]),
    }),
  }),
  rows: z.array(benchRowSchema),
  workloads: z.array(workloadOutcomeSchema),
  budget: z
    .object({
      file: z.string(),
      limits: z.number().int().nonnegative(),
      missed: z.array(missedLimitSchema),
    })
    .optional(),
  /** 0: measured (and every limit kept); 1: a limit missed or a workload failed or overran. */
  exitCode: z.union([z.literal(0), z.literal(1)]),
  /** Why the exit code is 1. */
  reasons: z.array(z.string()),
});
export type BenchReport = z.infer<typeof benchReportSchema>;

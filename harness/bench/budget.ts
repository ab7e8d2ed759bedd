/**
 * `driver-cert bench --budget <file>`: limits on ratios (driver figure / memory figure) that
 * turn the bench into a gate. The file is JSON:
 *
 *     { "limits": { "http-action/p99": { "max": 3 }, "http-action/throughput": { "min": 0.3 } } }
 *
 * Each key is a row id (`<workload>/<figure>`, see catalogue.ts and docs/bench.md), each value
 * `{ max }` (the ratio may be at most this: times, CPU), `{ min }` (at least this: throughput)
 * or both. A bad file is a UsageError (exit 2) naming the problem.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { z } from "zod";
import { UsageError } from "../errors.ts";
import { ROW_IDS, UNRATIOED_ROW_IDS } from "./catalogue.ts";
import type { MissedLimit, RatioLimit, WorkloadOutcome } from "./model.ts";
import { ratioLimitSchema } from "./model.ts";

/** A parsed budget: limits by row id. */
export interface Budget {
  /** The file as given on the command line. */
  file: string;
  limits: ReadonlyMap<string, RatioLimit>;
}

const KNOWN = new Set(ROW_IDS);

/** The budget file's schema (zod); readBudget checks the row ids against the catalogue. */
export const budgetFileSchema = z
  .object({
    limits: z.record(
      z.string(),
      ratioLimitSchema
        .refine((l) => l.min !== undefined || l.max !== undefined, {
          error: "a limit needs min, max or both",
        })
        .refine((l) => l.min === undefined || l.max === undefined || l.min <= l.max, {
          error: "min is above max",
        }),
    ),
  })
  .strict();

/**
 * Reads and validates a budget file (relative paths from `cwd`). Throws UsageError (code
 * `invalid_option`, exit 2) when the file cannot be read, is not JSON, breaks the schema (each
 * problem named by its path in the file), or limits a row that has no ratio.
 */
export async function readBudget(file: string, cwd: string): Promise<Budget> {
  let text: string;
  try {
    text = await readFile(resolve(cwd, file), "utf8");
  } catch (error) {
    throw new UsageError(`--budget ${file}: cannot read it (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--budget ${file}: not JSON (${(error as Error).message})`, HINT);
  }
  const parsed = budgetFileSchema.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .map((issue) => `${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`)
      .join("; ");
    throw new UsageError(`--budget ${file}: ${problems}`, HINT);
  }
  const unknown = Object.keys(parsed.data.limits).filter((id) => !KNOWN.has(id));
  if (unknown.length > 0) {
    throw new UsageError(
      `--budget ${file}: unknown row id ${unknown.map((id) => JSON.stringify(id)).join(", ")}; known ids: ${ROW_IDS.join(", ")}`,
      HINT,
    );
  }
  const unratioed = Object.keys(parsed.data.limits).filter((id) => UNRATIOED_ROW_IDS.has(id));
  if (unratioed.length > 0) {
    throw new UsageError(
      `--budget ${file}: ${unratioed.join(", ")} has no baseline, so no ratio to limit`,
      HINT,
    );
  }
  return { file, limits: new Map(Object.entries(parsed.data.limits)) };
}

const HINT =
  'expected { "limits": { "<workload>/<figure>": { "max": 3 } } }; see docs/bench.md, "Budgets"';

/** True when `ratio` keeps `limit`. */
export function keeps(ratio: number, limit: RatioLimit): boolean {
  return (
    (limit.min === undefined || ratio >= limit.min) &&
    (limit.max === undefined || ratio <= limit.max)
  );
}

/**
 * The limits of `budget` missed by `rows`: a measured ratio outside its limit, or a limited row
 * that was not measured because its workload failed or overran its bound. Rows of workloads
 * that do not apply to the driver (or were not selected) are not counted.
 */
export function missedLimits(
  budget: Budget,
  rows: readonly { id: string; ratio?: number }[],
  outcomes: readonly WorkloadOutcome[],
): MissedLimit[] {
  const missed: MissedLimit[] = [];
  for (const [id, limit] of budget.limits) {
    const row = rows.find((r) => r.id === id);
    if (row?.ratio !== undefined) {
      if (!keeps(row.ratio, limit)) {
        missed.push({ id, limit, ratio: row.ratio, reason: `ratio ${formatRatio(row.ratio)}` });
      }
      continue;
    }
    const outcome = outcomes.find((o) => o.id === id.slice(0, id.indexOf("/")));
    if (!outcome || outcome.status === "not-applicable") continue;
    missed.push({ id, limit, reason: `not measured: workload ${outcome.status}` });
  }
  return missed;
}

/** `3.21x`. */
export function formatRatio(ratio: number): string {
  return `${ratio.toFixed(2)}x`;
}

/** `<= 3x`, `>= 0.5x`, or both. */
export function formatLimit(limit: RatioLimit): string {
  const parts: string[] = [];
  if (limit.min !== undefined) parts.push(`>= ${limit.min}x`);
  if (limit.max !== undefined) parts.push(`<= ${limit.max}x`);
  return parts.join(" and ");
}

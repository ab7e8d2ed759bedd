/**
 * `driver-cert merge`: combines the reports of `--shard 1/n` ... `--shard n/n` (a CI matrix
 * across machines) into one report with one verdict, as if one machine had run everything:
 * each test's result is taken from the shard that ran it, then clauses, counts, level and
 * verdict are decided again (report/assemble.ts).
 */
import { readFile } from "node:fs/promises";
import { UsageError } from "../errors.ts";
import { assembleReport } from "./assemble.ts";
import { type CertificationReport, reportSchema, type TestResult } from "./model.ts";

/** A report read from a file, with the name messages use for it. */
export interface NamedReport {
  file: string;
  report: CertificationReport;
}

/** Reads and validates one report.json; UsageError (`invalid_option`) naming the file if bad. */
export async function readReport(path: string, shownAs = path): Promise<NamedReport> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, "utf8"));
  } catch (error) {
    throw new UsageError(`merge: cannot read ${shownAs} as JSON (${(error as Error).message})`);
  }
  const parsed = reportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `merge: ${shownAs} is not a driver-cert report.json (${issue.path.join(".") || "(root)"}: ${issue.message})`,
    );
  }
  return { file: shownAs, report: parsed.data };
}

function baseFilters(report: CertificationReport): string {
  return report.run.filters.replace(/ ?--shard \d+\/\d+/, "").trim();
}

function checkShards(named: readonly NamedReport[]): number {
  const first = named[0];
  const count = first.report.run.shard?.count;
  for (const { file, report } of named) {
    if (!report.run.shard)
      throw new UsageError(`merge: ${file} is not a shard report (run without --shard)`);
    if (report.run.shard.count !== count) {
      throw new UsageError(
        `merge: ${file} is shard ${report.run.shard.index}/${report.run.shard.count}, ${first.file} is of ${count}`,
      );
    }
    if (report.driver.name !== first.report.driver.name) {
      throw new UsageError(
        `merge: ${file} certifies driver "${report.driver.name}", ${first.file} "${first.report.driver.name}"`,
      );
    }
    if (baseFilters(report) !== baseFilters(first.report)) {
      throw new UsageError(
        `merge: ${file} ran with filters "${baseFilters(report)}", ${first.file} with "${baseFilters(first.report)}"`,
      );
    }
    const ids = report.tests.map((t) => t.id).join("\n");
    if (ids !== first.report.tests.map((t) => t.id).join("\n")) {
      throw new UsageError(
        `merge: ${file} planned other tests than ${first.file} (another driver-cert or suite version?)`,
      );
    }
  }
  const seen = named.map((n) => n.report.run.shard!.index).sort((a, b) => a - b);
  const missing = Array.from({ length: count! }, (_, i) => i + 1).filter((i) => !seen.includes(i));
  const twice = seen.filter((i, k) => seen.indexOf(i) !== k);
  if (twice.length > 0) throw new UsageError(`merge: shard ${twice[0]}/${count} is given twice`);
  if (missing.length > 0) {
    throw new UsageError(
      `merge: shard(s) ${missing.map((i) => `${i}/${count}`).join(", ")} missing: a merge needs every shard`,
    );
  }
  return count!;
}

/**
 * Merges shard reports into one. Throws UsageError when a report is not a shard, shards of
 * different runs are mixed (driver, shard count, filters or planned tests differ), or a shard
 * is missing or given twice.
 */
export function mergeReports(named: readonly NamedReport[]): CertificationReport {
  if (named.length === 0) throw new UsageError("merge: give the report.json of every shard");
  const shards = checkShards(named);
  const reports = named.map((n) => n.report);
  const first = reports[0];
  const tests: TestResult[] = first.tests.map((t, i) => {
    const ran = reports.map((r) => r.tests[i]).find((r) => r.skipKind !== "shard");
    return ran ?? t;
  });
  const started = Math.min(...reports.map((r) => Date.parse(r.run.startedAt)));
  const finished = Math.max(...reports.map((r) => Date.parse(r.run.finishedAt)));
  const filters = baseFilters(first);
  const withExpectations = reports.find((r) => r.expectations);
  const startError = reports.find((r) => r.startError)?.startError;
  return assembleReport(
    {
      toolVersion: first.tool.version,
      driver: first.driver,
      run: {
        startedAt: new Date(started).toISOString(),
        finishedAt: new Date(finished).toISOString(),
        durationMs: Math.max(0, finished - started),
        filters,
        partial: filters !== "",
        bail: reports.some((r) => r.run.bail),
        ...(reports.some((r) => r.run.interrupted) ? { interrupted: true } : {}),
        ...(first.run.repeat ? { repeat: first.run.repeat } : {}),
        mergedFrom: shards,
      },
      harnessErrors: reports.flatMap((r) => r.harnessErrors),
      unhandledErrors: reports.flatMap((r) => r.unhandledErrors),
      ...(startError ? { startError } : {}),
      expectationsFile: withExpectations?.expectations?.file,
      staleEntries: withExpectations?.expectations?.staleEntries,
    },
    tests,
  );
}

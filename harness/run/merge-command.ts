/**
 * `driver-cert merge <report.json...>`: reads the shard reports, merges them (report/merge.ts),
 * writes the merged reports to `--out` and prints the summary; resolves the merged verdict's
 * exit code.
 */
import { isAbsolute, resolve } from "node:path";
import type { Writable } from "node:stream";
import { mergeReports, readReport } from "../report/merge.ts";
import { colorsFor } from "../reporters/colors.ts";
import { renderRecap, renderSummary } from "../reporters/console.ts";
import { parseReporterSpecs, type ReporterSpec } from "../reporters/registry.ts";
import { writeOutputs } from "./outputs.ts";

export interface MergeOptions {
  outDir?: string;
  reporters?: ReporterSpec[];
  stdout: Writable;
  stderr: Writable;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/** Merges `files` and writes the result; resolves the exit code (0, 1, 2 or 130). */
export async function mergeCommand(
  files: readonly string[],
  options: MergeOptions,
): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const outputs = parseReporterSpecs(options.reporters);
  const named = await Promise.all(files.map((f) => readReport(resolve(cwd, f), f)));
  const report = mergeReports(named);
  const progress = outputs.some((o) => o.stdout) ? options.stderr : options.stdout;
  const outDir = isAbsolute(options.outDir ?? "reports")
    ? options.outDir!
    : resolve(cwd, options.outDir ?? "reports");
  const written = await writeOutputs(report, {
    outputs,
    outDir,
    stdout: options.stdout,
    annotations: progress,
    cwd,
    env,
  });
  const colors = colorsFor(progress, env);
  progress.write(`driver-cert: merged ${files.length} shard report(s)\n`);
  progress.write(renderRecap(report, colors));
  progress.write(renderSummary(report, written, cwd, colors));
  return report.verdict.exitCode;
}

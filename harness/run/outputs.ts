/**
 * Writing a report's outputs at the end of a run (or of a run that could not start, or of a
 * merge): each selected reporter to its file or to stdout, stale report files of the other
 * reporters removed, and on GitHub Actions the annotations and the step summary.
 */
import { appendFile, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Writable } from "node:stream";
import type { CertificationReport } from "../report/model.ts";
import { githubAnnotations } from "../reporters/github.ts";
import { renderMarkdown } from "../reporters/markdown.ts";
import { REPORTER_NAMES, REPORTERS, type ReporterOutput } from "../reporters/registry.ts";

export interface OutputOptions {
  outputs: readonly ReporterOutput[];
  /** Absolute directory for report files. */
  outDir: string;
  /** Where a `<name>:-` reporter writes. */
  stdout: Writable;
  /** Where GitHub Actions annotations go (a stream the runner reads: stdout or stderr). */
  annotations?: Writable;
  cwd: string;
  /** GITHUB_ACTIONS and GITHUB_STEP_SUMMARY are read here. */
  env: NodeJS.ProcessEnv;
}

/**
 * Writes the outputs and returns the files written (absolute paths). Report files of reporters
 * not written to a file this time are deleted from `outDir` (only those file names: nothing
 * else is touched), so no stale report from an earlier run sits beside the new ones.
 */
export async function writeOutputs(
  report: CertificationReport,
  options: OutputOptions,
): Promise<string[]> {
  const toFile = options.outputs.filter((o) => !o.stdout).map((o) => o.name);
  for (const name of REPORTER_NAMES) {
    if (!toFile.includes(name)) {
      await rm(join(options.outDir, REPORTERS[name]().fileName), { force: true });
    }
  }
  const files: string[] = [];
  if (toFile.length > 0) await mkdir(options.outDir, { recursive: true });
  for (const output of options.outputs) {
    const writer = REPORTERS[output.name]();
    const text = writer.render(report);
    if (output.stdout) {
      options.stdout.write(text);
      continue;
    }
    const file = join(options.outDir, writer.fileName);
    await writeFile(file, text);
    files.push(file);
  }
  if (options.env.GITHUB_ACTIONS === "true") {
    options.annotations?.write(githubAnnotations(report));
    const summaryFile = options.env.GITHUB_STEP_SUMMARY;
    if (summaryFile) await appendFile(summaryFile, `${renderMarkdown(report)}\n`);
  }
  return files;
}

/**
 * The reporters by name. The CLI's `--reporter` choices derive from this map, and the default
 * is all of them, each written to its file in the output directory; `<name>:-` writes one to
 * stdout instead.
 */
import { UsageError } from "../errors.ts";
import { createHtmlReporter } from "./html.ts";
import { createJsonReporter } from "./json.ts";
import { createJunitReporter } from "./junit.ts";
import { createMarkdownReporter } from "./markdown.ts";
import type { ReporterFactory } from "./types.ts";

export const REPORTERS = {
  json: createJsonReporter,
  junit: createJunitReporter,
  markdown: createMarkdownReporter,
  html: createHtmlReporter,
} as const satisfies Record<string, ReporterFactory>;

/** A reporter name: `json`, `junit`, `markdown` or `html`. */
export type ReporterName = keyof typeof REPORTERS;

/** Every reporter name, in the map's order. */
export const REPORTER_NAMES = Object.keys(REPORTERS) as ReporterName[];

/** A reporter as `--reporter` takes it: its name (to its file) or `<name>:-` (to stdout). */
export type ReporterSpec = ReporterName | `${ReporterName}:-`;

/** Where one reporter writes. */
export interface ReporterOutput {
  name: ReporterName;
  /** True for stdout, else the reporter's file in the output directory. */
  stdout: boolean;
}

/**
 * Parses reporter specs (default: every reporter, to its file). Throws UsageError
 * (`invalid_option`) for an unknown name, a target other than `-`, or two reporters on stdout.
 */
export function parseReporterSpecs(specs: readonly string[] | undefined): ReporterOutput[] {
  if (specs === undefined) return REPORTER_NAMES.map((name) => ({ name, stdout: false }));
  const outputs: ReporterOutput[] = [];
  for (const spec of specs) {
    const [name, target, ...rest] = spec.split(":");
    if (!(REPORTER_NAMES as string[]).includes(name)) {
      throw new UsageError(
        `--reporter ${spec}: no reporter named "${name}"`,
        `reporters: ${REPORTER_NAMES.join(", ")}; add :- to write one to stdout (json:-)`,
      );
    }
    if (rest.length > 0 || (target !== undefined && target !== "-")) {
      throw new UsageError(
        `--reporter ${spec}: the only target is "-" (stdout); files go to --out <dir>`,
      );
    }
    outputs.push({ name: name as ReporterName, stdout: target === "-" });
  }
  if (outputs.filter((o) => o.stdout).length > 1) {
    throw new UsageError("--reporter: only one reporter can write to stdout");
  }
  return outputs;
}

export type { ReporterFactory, ReportWriter } from "./types.ts";

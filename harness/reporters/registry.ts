/**
 * The file reporters by name. The CLI's `--reporter` choices derive from this map, and the
 * default is all of them.
 */
import { createJsonReporter } from "./json.ts";
import { createJunitReporter } from "./junit.ts";
import { createMarkdownReporter } from "./markdown.ts";
import type { ReporterFactory } from "./types.ts";

export const REPORTERS = {
  json: createJsonReporter,
  junit: createJunitReporter,
  markdown: createMarkdownReporter,
} as const satisfies Record<string, ReporterFactory>;

/** A reporter name: `json`, `junit` or `markdown`. */
export type ReporterName = keyof typeof REPORTERS;

/** Every reporter name, in the map's order. */
export const REPORTER_NAMES = Object.keys(REPORTERS) as ReporterName[];

export type { ReporterFactory, ReportWriter } from "./types.ts";

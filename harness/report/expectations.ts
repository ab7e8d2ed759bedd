/**
 * Known failures (`--expectations <file>`, in the spirit of web-platform-tests' metadata): a
 * JSON file listing tests expected to fail. A listed test that fails is `expected-fail` and
 * does not fail the gate; a listed test that passes is an `unexpected-pass`; an entry that names
 * no test of the run is stale. Both are warnings. `--write-expectations <file>` writes the file
 * from a run: every test that failed or timed out.
 */
import { readFile, writeFile } from "node:fs/promises";
import { z } from "zod";
import { UsageError } from "../errors.ts";
import { isFailure } from "./assemble.ts";
import type { CertificationReport, TestResult } from "./model.ts";

/** The file's shape (version 1). */
export const expectationsFileSchema = z.object({
  version: z.literal(1),
  /** The driver the file was written for (informational). */
  driver: z.string().optional(),
  expectedFailures: z.array(
    z.object({
      /** An exact test id, as in report.json and `driver-cert list`. */
      id: z.string().min(1),
      /** Why it fails: an issue link, the first line of the error... */
      note: z.string().optional(),
    }),
  ),
});
export type ExpectationsFile = z.infer<typeof expectationsFileSchema>;

/** A parsed file and the name reports show for it. */
export interface Expectations {
  file: string;
  ids: ReadonlySet<string>;
}

/**
 * Reads and validates an expectations file. Throws UsageError (`invalid_option`) naming the
 * file when it is missing, not JSON, or not of the shape above (with the first bad field).
 */
export async function readExpectations(path: string, shownAs = path): Promise<Expectations> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new UsageError(
      `--expectations ${shownAs}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
      "write one from a run with --write-expectations <file>",
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--expectations ${shownAs}: not JSON (${(error as Error).message})`);
  }
  const parsed = expectationsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(
      `--expectations ${shownAs}: ${issue.path.join(".") || "(root)"}: ${issue.message}`,
      '{ "version": 1, "expectedFailures": [{ "id": "<exact test id>", "note": "why" }] }',
    );
  }
  return { file: shownAs, ids: new Set(parsed.data.expectedFailures.map((e) => e.id)) };
}

/**
 * Marks results against the expectations: `expected-fail` for a listed test that failed or
 * timed out, `unexpected-pass` for a listed test that passed. Returns the marked results and the
 * stale entries (listed ids that name no test), in file order.
 */
export function applyExpectations(
  tests: readonly TestResult[],
  expectations: Expectations,
): { tests: TestResult[]; staleEntries: string[] } {
  const known = new Set(tests.map((t) => t.id));
  const marked = tests.map((t): TestResult => {
    if (!expectations.ids.has(t.id)) return t;
    if (isFailure(t.status)) return { ...t, expectation: "expected-fail" };
    if (t.status === "pass") return { ...t, expectation: "unexpected-pass" };
    return t;
  });
  return { tests: marked, staleEntries: [...expectations.ids].filter((id) => !known.has(id)) };
}

/** The expectations file for a report: every test that failed or timed out, with its error. */
export function expectationsFromReport(report: CertificationReport): ExpectationsFile {
  return {
    version: 1,
    driver: report.driver.name,
    expectedFailures: report.tests
      .filter((t) => isFailure(t.status))
      .map((t) => ({
        id: t.id,
        note: `${t.clause}: ${(t.error?.message ?? t.status).split("\n")[0]}`,
      })),
  };
}

/** Writes the expectations file for a report (two-space JSON). */
export async function writeExpectations(report: CertificationReport, path: string): Promise<void> {
  await writeFile(path, `${JSON.stringify(expectationsFromReport(report), null, 2)}\n`);
}

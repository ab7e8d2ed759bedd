/** The shape every file reporter has: a file name and a pure render of the report. */
import type { CertificationReport } from "../report/model.ts";

/** Renders the report to one file under the output directory (`reports/` or `--out`). */
export interface ReportWriter {
  /** File name inside the output directory. */
  readonly fileName: string;
  /** The file's contents; pure, never throws for a report that matches the schema. */
  render(report: CertificationReport): string;
}

/** Makes a reporter; registered by name in `REPORTERS` (harness/reporters/index.ts). */
export type ReporterFactory = () => ReportWriter;

/** The JSON reporter: the report as is, validated by `reportSchema` (harness/report/model.ts). */
import type { CertificationReport } from "../report/model.ts";
import type { ReportWriter } from "./types.ts";

/** Writes `report.json`: the versioned report, two-space indented. */
export function createJsonReporter(): ReportWriter {
  return {
    fileName: "report.json",
    render: (report: CertificationReport) => `${JSON.stringify(report, null, 2)}\n`,
  };
}

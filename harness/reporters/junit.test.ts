import { describe, expect, test } from "vitest";
import { xmlProblems } from "../../tests/support/xml-well-formed.ts";
import { planRun } from "../matrix.ts";
import { buildReport } from "../report/build.ts";
import { defineSuite } from "../suite-api.ts";
import { renderJunit, xmlText } from "./junit.ts";
import { renderMarkdown } from "./markdown.ts";

const run = async () => {};
const suite = defineSuite("odd", (s) => {
  s.test({ id: "fails", title: 'a title with <tags> & "quotes"', clause: "MGR-1", run });
  s.test({ id: "needs-sse", title: "needs sse", clause: "ROUTE-2", run });
});

function oddReport(filters: { grep?: string } = {}) {
  const plan = planRun([suite], {
    driverName: "odd <driver>",
    capabilities: { websocket: true, sse: false, schedule: false, durable: false },
    filters,
  });
  const message = "expected <a> & 'b'\u0001 | ``` \nsecond line";
  const outcomes = new Map([
    ["odd/fails", { id: "odd/fails", status: "fail" as const, durationMs: 5, error: { message } }],
  ]);
  const at = new Date("2026-01-01T00:00:00Z");
  return buildReport({
    plan,
    outcomes,
    toolVersion: "0",
    startedAt: at,
    finishedAt: at,
    bail: false,
  });
}

describe("file reporters", () => {
  test("JUnit escapes markup and drops characters XML cannot carry", () => {
    expect(xmlText("a\u0000b\u0001c")).toBe("abc");
    const xml = renderJunit(oddReport());
    expect(xmlProblems(xml)).toEqual([]);
    expect(xml).toContain(
      '<skipped message="unsupported: sse not declared by driver &quot;odd &lt;driver&gt;&quot;"/>',
    );
    expect(xml).toContain('<property name="clause" value="MGR-1"/>');
  });

  test("a certification testcase fails listing the reasons when the run is not certified", () => {
    const report = oddReport();
    expect(report.level.reasons).toContain("MUST MGR-2 has no test");
    const xml = renderJunit(report);
    expect(xmlProblems(xml)).toEqual([]);
    const certification = xml.slice(xml.indexOf('<testsuite name="driver-cert"'));
    expect(certification).toMatch(
      /^<testsuite name="driver-cert" tests="1" failures="1" errors="0" skipped="0"/,
    );
    expect(certification).toContain('<testcase name="certification" classname="driver-cert"');
    // The verdict's reasons: the failed MUST test first, then the clauses without a test.
    expect(certification).toMatch(
      /<failure message="not certified: MUST MGR-1 failed: odd\/fails \(\+\d+ more\)" type="not_certified">- MUST MGR-1 failed: odd\/fails\n- MUST DRV-1 has no test\n/,
    );
    expect(certification).toContain("- MUST MGR-1 failed: odd/fails\n");
    expect(certification).toContain("- MUST MGR-2 has no test\n");
    // The top-level totals count it: one failing test plus the certification.
    expect(xml).toMatch(/<testsuites [^>]* tests="3" failures="2" errors="0" skipped="1"/);
  });

  test("the certification testcase passes when certified and is skipped for a partial run", () => {
    const certified = oddReport();
    certified.level = { certified: true, name: "certified (core)", reasons: [], warnings: [] };
    certified.verdict = { gate: "pass", exitCode: 0, reasons: [], warnings: ["w"] };
    const passing = renderJunit(certified);
    expect(xmlProblems(passing)).toEqual([]);
    const passCase = passing.slice(passing.indexOf('<testcase name="certification"'));
    expect(passCase).not.toMatch(/<failure|<skipped/);
    expect(passCase).toContain("<system-out>warning: w</system-out>");

    // A partial run without a failed MUST test passes the gate: nothing to certify, skipped.
    const partial = renderJunit(oddReport({ grep: "needs-sse" }));
    expect(xmlProblems(partial)).toEqual([]);
    const partialCase = partial.slice(partial.indexOf('<testcase name="certification"'));
    expect(partialCase).not.toContain("<failure");
    expect(partialCase).toMatch(
      /<skipped message="partial run \(--grep &quot;needs-sse&quot;\): certification needs a full run/,
    );
  });

  test("Markdown keeps a failure's message inside its fence and escapes table cells", () => {
    const md = renderMarkdown(oddReport());
    expect(md).toContain("### Fail: `odd/fails`");
    expect(md).toContain("```text\nexpected <a> & 'b'\u0001 | ''' \nsecond line\n```");
    expect(md).toContain('| 1 | unsupported: sse not declared by driver "odd <driver>" |');
  });
});

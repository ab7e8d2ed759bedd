import { describe, expect, test } from "vitest";
import { xmlProblems } from "../../tests/support/xml-well-formed.ts";
import { planRun } from "../matrix.ts";
import { buildReport } from "../report/build.ts";
import { defineSuite } from "../suite-api.ts";
import { escapeXml, renderJunit } from "./junit.ts";
import { renderMarkdown } from "./markdown.ts";

const run = async () => {};
const suite = defineSuite("odd", (s) => {
  s.test({ id: "fails", title: 'a title with <tags> & "quotes"', clause: "MGR-1", run });
  s.test({ id: "needs-sse", title: "needs sse", clause: "ROUTE-2", run });
});

function oddReport() {
  const plan = planRun([suite], {
    driverName: "odd <driver>",
    capabilities: { websocket: true, sse: false, schedule: false, durable: false },
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
    expect(escapeXml('<a b="c">&\'\u0000')).toBe("&lt;a b=&quot;c&quot;&gt;&amp;&apos;");
    const xml = renderJunit(oddReport());
    expect(xmlProblems(xml)).toEqual([]);
    expect(xml).toContain(
      '<skipped message="unsupported: sse not declared by driver &quot;odd &lt;driver&gt;&quot;"/>',
    );
    expect(xml).toContain('<property name="clause" value="MGR-1"/>');
  });

  test("Markdown keeps a failure's message inside its fence and escapes table cells", () => {
    const md = renderMarkdown(oddReport());
    expect(md).toContain("### Fail: `odd/fails`");
    expect(md).toContain("```text\nexpected <a> & 'b'\u0001 | ''' \nsecond line\n```");
    expect(md).toContain('| 1 | unsupported: sse not declared by driver "odd <driver>" |');
  });
});

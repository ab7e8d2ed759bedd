/**
 * The HTML reporter: `report.html`, one self-contained page (inline CSS, no script, no network)
 * a person can open from a CI artifact: the verdict and level, the counts, a clause-by-cell
 * matrix that shows at a glance where a driver breaks (rows: clauses with tests; columns: the
 * matrix cells client x transport x encoding), then each test's details (status, cell, the
 * failure's step, expected and actual, suite line, rerun command, logs) in `<details>` blocks.
 * Matrix cells carry `data-clause`, `data-cell` and `data-status` for tools and tests.
 */
import { isFailure } from "../report/assemble.ts";
import type { CertificationReport, TestResult, TestStatus } from "../report/model.ts";
import type { ReportWriter } from "./types.ts";

const CLIENTS = ["http", "inline"] as const;
const TRANSPORTS = ["websocket", "sse"] as const;
const ENCODINGS = ["json", "cbor"] as const;

/** Worse first: a matrix cell shows the worst status of its tests. */
const SEVERITY: readonly TestStatus[] = ["timeout", "fail", "pass", "unsupported", "skipped"];

const SYMBOL: Record<TestStatus, string> = {
  pass: "✓",
  fail: "✗",
  timeout: "!",
  unsupported: "–",
  skipped: "·",
};

/** Escapes text for HTML element content and double-quoted attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

const STYLE = `
body{font:14px/1.45 system-ui,sans-serif;margin:1.5rem;color:#1d1d1f;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
.verdict{display:inline-block;padding:.15rem .6rem;border-radius:4px;font-weight:700;color:#fff}
.gate-pass{background:#1a7f37}.gate-fail,.gate-error{background:#cf222e}.gate-interrupted{background:#9a6700}
table{border-collapse:collapse}th,td{border:1px solid #d0d7de;padding:.2rem .45rem;text-align:center}
th{background:#f6f8fa;font-weight:600}td.clause{text-align:left;white-space:nowrap}
.s-pass{background:#dafbe1}.s-fail,.s-timeout{background:#ffd8d3;font-weight:700}
.s-unsupported{background:#f6f8fa;color:#6e7781}.s-skipped{color:#6e7781}.s-none{background:#fff}
ul{margin:.3rem 0}code,pre{font:12px/1.4 ui-monospace,monospace}pre{background:#f6f8fa;padding:.5rem;overflow:auto;white-space:pre-wrap}
details{margin:.2rem 0}summary{cursor:pointer}.muted{color:#6e7781}dl{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:.4rem 0 .4rem 1.2rem}dt{font-weight:600}dd{margin:0}
`;

function cellKey(c: { client: string; transport: string; encoding: string }): string {
  return `${c.client}/${c.transport}/${c.encoding}`;
}

function worst(tests: readonly TestResult[]): TestStatus | undefined {
  return [...tests].sort((a, b) => SEVERITY.indexOf(a.status) - SEVERITY.indexOf(b.status))[0]
    ?.status;
}

function matrix(report: CertificationReport): string {
  const cells = CLIENTS.flatMap((client) =>
    TRANSPORTS.flatMap((transport) =>
      ENCODINGS.map((encoding) => ({ client, transport, encoding })),
    ),
  );
  const head = [
    `<tr><th rowspan="3">clause</th>${CLIENTS.map((c) => `<th colspan="4">${c}</th>`).join("")}</tr>`,
    `<tr>${CLIENTS.map(() => TRANSPORTS.map((t) => `<th colspan="2">${t}</th>`).join("")).join("")}</tr>`,
    `<tr>${cells.map((c) => `<th>${c.encoding}</th>`).join("")}</tr>`,
  ];
  const rows: string[] = [];
  for (const clause of report.clauses) {
    const mine = report.tests.filter((t) => t.clause === clause.id);
    if (mine.length === 0) continue;
    const tds = cells.map((cell) => {
      const key = cellKey(cell);
      const here = mine.filter((t) => cellKey(t.cell) === key && t.skipKind !== "filter");
      const status = worst(here);
      const title = here.map((t) => `${t.id}: ${t.status}`).join("\n");
      return `<td class="s-${status ?? "none"}" data-clause="${clause.id}" data-cell="${key}" data-status="${status ?? "none"}" title="${escapeHtml(title)}">${status ? SYMBOL[status] : ""}</td>`;
    });
    rows.push(
      `<tr><td class="clause" title="${escapeHtml(clause.text)}"><a href="#clause-${clause.id}">${clause.level} ${clause.id}</a></td>${tds.join("")}</tr>`,
    );
  }
  return `<table id="matrix"><thead>${head.join("")}</thead><tbody>${rows.join("")}</tbody></table>`;
}

function field(name: string, value: string | undefined, code = false): string {
  if (value === undefined || value === "") return "";
  const shown = code ? `<code>${escapeHtml(value)}</code>` : escapeHtml(value);
  return `<dt>${name}</dt><dd>${shown}</dd>`;
}

function testDetails(test: TestResult): string {
  const e = test.error;
  const tags = [
    test.expectation ?? "",
    test.flaky ? `flaky (${(test.attempts ?? []).join(", ")})` : "",
    isFailure(test.status) && test.clauseLevel === "SHOULD" ? "warning (SHOULD)" : "",
  ].filter(Boolean);
  const body = [
    field("title", test.title),
    field("cell", cellKey(test.cell)),
    field("duration", `${test.durationMs} ms`),
    field("reason", test.reason),
    field("error", e ? `${e.code ? `[${e.code}] ` : ""}${e.message.split("\n")[0]}` : undefined),
    field("step", e?.step),
    field("expected", e?.expected, true),
    field("actual", e?.actual, true),
    field("at", e?.location ?? test.source, true),
    field("rerun", test.rerun, true),
  ].join("");
  const message = e?.message.includes("\n") ? `<pre>${escapeHtml(e.message)}</pre>` : "";
  const logs = test.logs?.length ? `<pre>${escapeHtml(test.logs.join("\n"))}</pre>` : "";
  const open = isFailure(test.status) ? " open" : "";
  return `<details class="test s-${test.status}"${open} data-id="${escapeHtml(test.id)}"><summary>${SYMBOL[test.status]} <code>${escapeHtml(test.id)}</code> <span class="muted">${test.status}${tags.length ? ` · ${escapeHtml(tags.join(" · "))}` : ""}</span></summary><dl>${body}</dl>${message}${logs}</details>`;
}

/** Items a list shows before folding the rest into a <details>. */
const LIST_SHOWN = 10;

function list(title: string, items: readonly string[]): string {
  if (items.length === 0) return "";
  const li = (all: readonly string[]) => all.map((i) => `<li>${escapeHtml(i)}</li>`).join("");
  const rest = items.slice(LIST_SHOWN);
  const more = rest.length
    ? `<details><summary>${rest.length} more</summary><ul>${li(rest)}</ul></details>`
    : "";
  return `<h2>${title}</h2><ul>${li(items.slice(0, LIST_SHOWN))}</ul>${more}`;
}

/** Renders the report as one self-contained HTML page. */
export function renderHtml(report: CertificationReport): string {
  const { verdict, counts } = report;
  const bySection = report.clauses
    .filter((c) => report.tests.some((t) => t.clause === c.id && t.skipKind !== "filter"))
    .map((c) => {
      const tests = report.tests.filter((t) => t.clause === c.id && t.skipKind !== "filter");
      return `<section id="clause-${c.id}"><h3>${c.level} ${c.id} <span class="muted">${c.status}</span></h3><p class="muted">${escapeHtml(c.text)}</p>${tests.map(testDetails).join("")}</section>`;
    });
  const outside = [...report.harnessErrors, ...report.unhandledErrors];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>driver-cert: ${escapeHtml(report.driver.name)}: ${escapeHtml(report.level.name)}</title>
<style>${STYLE}</style></head>
<body>
<h1>driver-cert: ${escapeHtml(report.driver.name)}</h1>
<p><span id="verdict" class="verdict gate-${verdict.gate}">${verdict.gate.toUpperCase()}</span> exit code ${verdict.exitCode} · <strong>${escapeHtml(report.level.name)}</strong></p>
<p class="muted">contract ${report.contractVersion} · driver-cert ${escapeHtml(report.tool.version)} · ${escapeHtml(report.run.startedAt)} · ${(report.run.durationMs / 1000).toFixed(1)} s${report.run.filters ? ` · filters <code>${escapeHtml(report.run.filters)}</code>` : ""}${report.run.interrupted ? " · interrupted" : ""}</p>
<p id="counts">${counts.pass} passed · ${counts.fail} failed · ${counts.timeout} timed out · ${counts.unsupported} unsupported · ${counts.skipped} skipped (${counts.total} tests)</p>
${report.startError ? `<h2>The driver did not start</h2><pre>${escapeHtml(report.startError.message)}</pre>` : ""}
${list("Why the gate did not pass", verdict.reasons)}
${list("Warnings (not fatal)", verdict.warnings)}
${outside.length ? `<h2>Errors outside the tests</h2><pre>${escapeHtml(outside.join("\n"))}</pre>` : ""}
<h2>Clauses by cell</h2>
<p class="muted">${Object.entries(SYMBOL)
    .map(([s, sym]) => `${sym} ${s}`)
    .join(
      " · ",
    )}; a cell shows the worst status of its tests; tests that do not depend on an axis run in one cell of it.</p>
${matrix(report)}
<h2>Tests</h2>
${bySection.join("\n")}
</body></html>
`;
}

/** Writes `report.html`. */
export function createHtmlReporter(): ReportWriter {
  return { fileName: "report.html", render: renderHtml };
}

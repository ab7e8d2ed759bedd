/**
 * `--list`: the plan as text, one line per case with its status, id, clause and reason, then
 * the totals. Nothing runs.
 */
import { CAPABILITY_NAMES, CONTRACT_VERSION } from "../runtime/driver/index.ts";
import { describeFilters, type Plan } from "./matrix.ts";
import { caseIdentity } from "./report/build.ts";

/** One line describing the driver and its manifest. */
export function describeDriver(plan: Plan): string {
  const declared = CAPABILITY_NAMES.filter((c) => plan.capabilities[c]);
  const lacking = CAPABILITY_NAMES.filter((c) => !plan.capabilities[c]);
  return (
    `driver "${plan.driverName}" (contract ${CONTRACT_VERSION}); capabilities: ${declared.join(", ") || "none"}` +
    (lacking.length > 0 ? `; not declared: ${lacking.join(", ")}` : "")
  );
}

/** Totals of a plan: "12 to run, 3 unsupported, 0 skipped". */
export function planTotals(plan: Plan): string {
  const n = (status: string) => plan.cases.filter((c) => c.status === status).length;
  return `${n("run")} to run, ${n("unsupported")} unsupported, ${n("skipped")} skipped`;
}

/** The plan as `--list` prints it. */
export function renderPlan(plan: Plan): string {
  const label = { run: "run", unsupported: "unsupported", skipped: "skipped" } as const;
  const width = Math.max(0, ...plan.cases.map((c) => c.id.length));
  const lines = [describeDriver(plan)];
  const filters = describeFilters(plan.filters);
  if (filters) lines.push(`filters: ${filters} (a partial run never certifies)`);
  lines.push("");
  for (const c of plan.cases) {
    const reason = c.reason ? `  ${c.reason}` : "";
    lines.push(
      `${label[c.status].padEnd(11)}  ${c.id.padEnd(width)}  ${c.test.clause.id}${reason}`,
    );
  }
  if (plan.cases.length === 0) lines.push("(no tests registered)");
  lines.push("", planTotals(plan), "");
  return lines.join("\n");
}

/** The plan as `list --json` prints it: the driver, the filters, each case and the totals. */
export function planAsJson(plan: Plan) {
  const n = (status: string) => plan.cases.filter((c) => c.status === status).length;
  return {
    driver: { name: plan.driverName, capabilities: { ...plan.capabilities } },
    contractVersion: CONTRACT_VERSION,
    filters: describeFilters(plan.filters),
    partial: plan.partial,
    totals: { run: n("run"), unsupported: n("unsupported"), skipped: n("skipped") },
    cases: plan.cases.map((c) => ({
      ...caseIdentity(c),
      status: c.status,
      ...(c.reason ? { reason: c.reason } : {}),
      ...(c.skipKind ? { skipKind: c.skipKind } : {}),
    })),
  };
}

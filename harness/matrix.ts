/**
 * Matrix expansion and run planning: suites + filters + the capability manifest become the
 * ordered list of cases, each to run, unsupported (with the reason) or skipped (with the
 * reason). Nothing is dropped silently; `--list` prints this plan as is.
 */
import type { CapabilityName, DriverCapabilities } from "../runtime/driver/index.ts";
import { CAPABILITY_NAMES, resolveCapabilities } from "../runtime/driver/index.ts";
import type { Encoding, Transport } from "../runtime/protocol/index.ts";
import { UsageError } from "./errors.ts";
import type { Axis, Cell, ClientType, SuiteDefinition, TestDefinition } from "./suite-api.ts";

export const CLIENT_TYPES: readonly ClientType[] = ["http", "inline"];
export const TRANSPORTS: readonly Transport[] = ["websocket", "sse"];
export const ENCODINGS: readonly Encoding[] = ["json", "cbor"];

/** Per-test budget when neither the test nor the run sets one, in ms. */
export const DEFAULT_TEST_TIMEOUT_MS = 10_000;

/** Narrowing a run. Each filter that is set makes the run partial (never a certification). */
export interface PlanFilters {
  /** Suite names to keep. */
  suites?: readonly string[];
  /** A case-insensitive regular expression matched against "<id> <title> <clause>". */
  grep?: string;
  /** Exact case ids to keep (`--id`, repeatable). */
  ids?: readonly string[];
  /** Exact clause ids to keep (`--clause`): CONN-1 keeps CONN-1 only, never CONN-10. */
  clauses?: readonly string[];
  /** `--shard i/n`: keep the i-th (1-based) of n deterministic slices of the selected cases. */
  shard?: Shard;
  client?: ClientType;
  transport?: Transport;
  encoding?: Encoding;
}

/** One slice of a run split over machines: `index` from 1 to `count`. */
export interface Shard {
  index: number;
  count: number;
}

export interface PlanOptions {
  driverName: string;
  capabilities: DriverCapabilities;
  filters?: PlanFilters;
  /** Per-test budget (ms) for tests that set none; tests that set one keep the larger. */
  timeoutMs?: number;
}

/** Why a planned case is skipped; see PlannedCase.skipKind. */
export type SkipKind = "filter" | "shard" | "not-applicable";

/** What the plan says about one case before anything runs. */
export type PlannedStatus = "run" | "unsupported" | "skipped";

/** One test in one cell. */
export interface PlannedCase {
  /** `<suite>/<slug>` plus `[axis=value,...]` for the axes the test depends on. */
  readonly id: string;
  readonly test: TestDefinition;
  readonly cell: Cell;
  readonly status: PlannedStatus;
  /** Why it is unsupported or skipped. */
  readonly reason?: string;
  /**
   * `filter`: not selected by this run's filters; `shard`: selected but in another shard;
   * `not-applicable`: an absence check.
   */
  readonly skipKind?: SkipKind;
  /** Budget for the test body, in ms. */
  readonly timeoutMs: number;
}

export interface Plan {
  readonly driverName: string;
  readonly capabilities: DriverCapabilities;
  readonly filters: PlanFilters;
  /** True when any filter is set: the run cannot certify. */
  readonly partial: boolean;
  readonly cases: readonly PlannedCase[];
}

/** The `[client=..,transport=..,encoding=..]` suffix for the given axes; "" for none. */
export function cellSuffix(cell: Cell, axes: readonly Axis[]): string {
  if (axes.length === 0) return "";
  return ` [${axes.map((a) => `${a}=${cell[a]}`).join(",")}]`;
}

/**
 * The cell a test runs in for the axes it does not depend on: http, cbor and the first
 * transport the driver supports (websocket, else sse), each replaced by its filter when set.
 */
export function defaultCell(capabilities: DriverCapabilities, filters: PlanFilters = {}): Cell {
  return {
    client: filters.client ?? "http",
    transport:
      filters.transport ?? (capabilities.websocket || !capabilities.sse ? "websocket" : "sse"),
    encoding: filters.encoding ?? "cbor",
  };
}

/** Every cell for the axes, in canonical order; the other axes keep `base`'s values. */
export function expandCells(axes: readonly Axis[], base: Cell): Cell[] {
  let cells: Cell[] = [base];
  const values = { client: CLIENT_TYPES, transport: TRANSPORTS, encoding: ENCODINGS } as const;
  for (const axis of axes) {
    cells = cells.flatMap((cell) => values[axis].map((v) => ({ ...cell, [axis]: v }) as Cell));
  }
  return cells;
}

/** The filters as command-line flags, e.g. `--suite actions --transport sse`. */
export function describeFilters(filters: PlanFilters): string {
  const parts: string[] = [];
  if (filters.suites?.length) parts.push(`--suite ${filters.suites.join(",")}`);
  if (filters.grep !== undefined) parts.push(`--grep ${JSON.stringify(filters.grep)}`);
  for (const id of filters.ids ?? []) parts.push(`--id ${JSON.stringify(id)}`);
  if (filters.clauses?.length) parts.push(`--clause ${filters.clauses.join(",")}`);
  for (const axis of ["client", "transport", "encoding"] as const) {
    if (filters[axis]) parts.push(`--${axis} ${filters[axis]}`);
  }
  if (filters.shard) parts.push(`--shard ${filters.shard.index}/${filters.shard.count}`);
  return parts.join(" ");
}

function compileGrep(grep: string | undefined): RegExp | undefined {
  if (grep === undefined) return undefined;
  try {
    return new RegExp(grep, "i");
  } catch (error) {
    throw new UsageError(
      `--grep ${JSON.stringify(grep)} is not a valid regular expression (${(error as Error).message})`,
    );
  }
}

function missingCapabilities(
  needed: readonly CapabilityName[],
  capabilities: DriverCapabilities,
): CapabilityName[] {
  return CAPABILITY_NAMES.filter((c) => needed.includes(c) && !capabilities[c]);
}

/**
 * Plans a run: expands each test over the axes it depends on and decides, per case, run,
 * unsupported (a needed capability, or the cell's transport, is not declared) or skipped
 * (not selected by a filter, or an absence check for a capability the driver has).
 * Throws UsageError for an unknown suite name or an invalid grep; TypeError for two suites with
 * one name or an invalid test spec.
 */
export function planRun(suites: readonly SuiteDefinition[], plan: PlanOptions): Plan {
  // Optional flags take their documented defaults (`sleep` absent is true).
  const options = { ...plan, capabilities: resolveCapabilities(plan.capabilities) };
  const filters = options.filters ?? {};
  const names = suites.map((s) => s.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new TypeError(`two suites are named "${duplicate}"`);
  for (const wanted of filters.suites ?? []) {
    if (!names.includes(wanted)) {
      throw new UsageError(
        `--suite: no suite named "${wanted}"`,
        `suites: ${names.join(", ") || "(none)"}`,
      );
    }
  }
  const grep = compileGrep(filters.grep);
  const base = defaultCell(options.capabilities, filters);
  const declared = `not declared by driver "${options.driverName}"`;
  const cases: PlannedCase[] = [];
  for (const suite of suites) {
    for (const test of suite.tests()) {
      const timeoutMs = test.timeoutMs
        ? Math.max(test.timeoutMs, options.timeoutMs ?? 0)
        : (options.timeoutMs ?? DEFAULT_TEST_TIMEOUT_MS);
      for (const cell of expandCells(test.axes, base)) {
        const id = `${test.baseId}${cellSuffix(cell, test.axes)}`;
        const push = (status: PlannedStatus, reason?: string, skipKind?: PlannedCase["skipKind"]) =>
          cases.push(Object.freeze({ id, test, cell, status, reason, skipKind, timeoutMs }));
        const notSelected = selectionMiss(filters, suite.name, test, cell, id, grep);
        if (notSelected) {
          push("skipped", `not selected: ${notSelected}`, "filter");
          continue;
        }
        const needed = test.axes.includes("transport")
          ? [...test.requires, cell.transport]
          : test.requires;
        const missing = missingCapabilities(needed, options.capabilities);
        if (missing.length > 0) {
          push("unsupported", `unsupported: ${missing.join(", ")} ${declared}`);
          continue;
        }
        const present = test.whenLacking.filter((c) => options.capabilities[c]);
        if (present.length > 0) {
          push(
            "skipped",
            `not applicable: checks a driver without ${present.join(", ")}, which driver "${options.driverName}" declares`,
            "not-applicable",
          );
          continue;
        }
        push("run");
      }
    }
  }
  const partial = describeFilters(filters) !== "";
  return Object.freeze({
    driverName: options.driverName,
    capabilities: options.capabilities,
    filters,
    partial,
    cases: Object.freeze(filters.shard ? shardCases(cases, filters.shard) : cases),
  });
}

function selectionMiss(
  filters: PlanFilters,
  suite: string,
  test: TestDefinition,
  cell: Cell,
  id: string,
  grep: RegExp | undefined,
): string | undefined {
  if (filters.suites?.length && !filters.suites.includes(suite))
    return `--suite ${filters.suites.join(",")}`;
  for (const axis of test.axes) {
    const wanted = filters[axis];
    if (wanted && cell[axis] !== wanted) return `--${axis} ${wanted}`;
  }
  if (grep && !grep.test(`${id} ${test.title} ${test.clause.id}`))
    return `--grep ${JSON.stringify(filters.grep)}`;
  if (filters.ids?.length && !filters.ids.includes(id)) return "--id";
  if (filters.clauses?.length && !filters.clauses.includes(test.clause.id))
    return `--clause ${filters.clauses.join(",")}`;
  return undefined;
}

/**
 * Keeps the cases of one shard: the selected cases (not skipped by a filter) are dealt
 * round-robin over the shards in plan order, cases to run and the others separately, so each
 * shard gets an even share of real work; the rest become `skipped` with skipKind "shard".
 * Deterministic: every machine given the same suites, driver and filters computes the same split.
 */
function shardCases(cases: readonly PlannedCase[], shard: Shard): PlannedCase[] {
  const dealt = new Map<PlannedCase, number>();
  let toRun = 0;
  let others = 0;
  for (const c of cases) {
    if (c.skipKind === "filter") continue;
    dealt.set(c, c.status === "run" ? toRun++ % shard.count : others++ % shard.count);
  }
  return cases.map((c) => {
    const slot = dealt.get(c);
    if (slot === undefined || slot === shard.index - 1) return c;
    return Object.freeze({
      ...c,
      status: "skipped" as const,
      reason: `not in this shard: run by --shard ${slot + 1}/${shard.count}`,
      skipKind: "shard" as const,
    });
  });
}

/** The cases the runner registers (run, unsupported, not-applicable), in plan order. */
export function registeredCases(plan: Plan): PlannedCase[] {
  return plan.cases.filter((c) => c.skipKind !== "filter" && c.skipKind !== "shard");
}

/**
 * The registered cases of worker `part` (0-based) out of `parts`: cases to run and the others
 * are each dealt round-robin, so every worker gets an even share of real work. `offset` starts
 * the deal that many workers later: a batch of runs (harness/run/run-vitest.ts) continues each
 * run's deal where the one before stopped, so small runs do not all load the first worker.
 */
export function casesOfPart(plan: Plan, part: number, parts: number, offset = 0): PlannedCase[] {
  const registered = registeredCases(plan);
  const deal = (list: PlannedCase[]) => list.filter((_, i) => (i + offset) % parts === part);
  return [
    ...deal(registered.filter((c) => c.status === "run")),
    ...deal(registered.filter((c) => c.status !== "run")),
  ];
}

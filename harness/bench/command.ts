/**
 * `driver-cert bench <module>`: loads the driver and the memory reference driver, starts both
 * behind the manager router, runs every workload that applies (catalogue.ts) with progress lines
 * on stderr and a time bound each, prints the table of figures and ratios (driver / memory), and
 * writes bench.json and bench.md into `--out`. With `--budget`, a missed limit fails the run.
 * Exit codes: 0 measured (and every limit kept), 1 a limit missed or a workload failed or
 * overran its bound, 2 bad options or budget file, or the driver did not load or start (thrown
 * as UsageError, DriverLoadError or DriverStartError), 130 interrupted.
 */
import { cpus, loadavg } from "node:os";
import { isAbsolute, resolve } from "node:path";
import type { Writable } from "node:stream";
import { tsImport } from "tsx/esm/api";
import { type DriverDefinition, resolveCapabilities } from "../../runtime/driver/index.ts";
import { DriverStartError, UsageError } from "../errors.ts";
import { loadDriverModule } from "../load-driver.ts";
import { DEFAULT_DRIVER_MODULE, TOOL_VERSION } from "../package-info.ts";
import { type Budget, keeps, missedLimits, readBudget } from "./budget.ts";
import { WORKLOADS, type WorkloadSpec } from "./catalogue.ts";
import { failoverWorkload, remoteActionWorkload } from "./distributed.ts";
import { within } from "./measure.ts";
import type { BenchReport, BenchResultRow, WorkloadOutcome } from "./model.ts";
import { benchLegend, budgetLines, formatLoad, outcomeLines, writeBenchReport } from "./report.ts";
import { formatTable } from "./table.ts";
import { type RunningToolkit, startToolkit } from "./toolkit.ts";
import {
  type DriverBenchRow,
  type DriverBenchSettings,
  runWorkload,
  type WorkloadContext,
} from "./workloads.ts";

/** Sizes of a full run. */
export const FULL_SETTINGS: DriverBenchSettings = {
  sequential: 1_000,
  concurrency: 50,
  durationMs: 2_000,
  rounds: 5,
  measureMs: 10_000,
  boundMs: 60_000,
  connections: 1_000,
  restartActors: 1_000,
  managerPool: 200,
};

/** Sizes of `--quick`: a smoke run of every workload in seconds, not a measurement to quote. */
export const QUICK_SETTINGS: DriverBenchSettings = {
  sequential: 100,
  concurrency: 50,
  durationMs: 300,
  rounds: 2,
  measureMs: 1_500,
  boundMs: 30_000,
  connections: 100,
  restartActors: 100,
  managerPool: 50,
};

/** Options of {@link benchCommand}. */
export interface BenchOptions {
  /** The driver module (.ts or .js), relative to `cwd` or absolute. */
  driverModule: string;
  /** Directory of bench.json and bench.md (default `reports`). */
  outDir?: string;
  quick?: boolean;
  /** Interleaved rounds per workload (default 5, 2 with `quick`). */
  rounds?: number;
  /** A budget file (budget.ts). */
  budget?: string;
  /** Only these workload ids (default all that apply). */
  workloads?: string[];
  stdout: Writable;
  stderr: Writable;
  /** Aborting stops the run after the current workload (Ctrl-C); it then exits 130. */
  signal?: AbortSignal;
  cwd?: string;
}

/** Runs the bench; resolves the exit code (0, 1 or 130). Throws on exit-2 problems. */
export async function benchCommand(options: BenchOptions): Promise<number> {
  const cwd = options.cwd ?? process.cwd();
  const selected = selectWorkloads(options.workloads);
  const budget = options.budget ? await readBudget(options.budget, cwd) : undefined;
  const settings = { ...(options.quick ? QUICK_SETTINGS : FULL_SETTINGS) };
  if (options.rounds !== undefined) settings.rounds = options.rounds;
  const importer = (url: string) => tsImport(url, import.meta.url);
  const { definition } = await loadDriverModule(options.driverModule, importer, cwd);
  const memoryModule = await loadDriverModule(DEFAULT_DRIVER_MODULE, importer, cwd);
  const capabilities = resolveCapabilities(definition.capabilities);

  const startedAt = new Date();
  const loadStart = loadavg() as [number, number, number];
  const cpu = cpus();
  const log = (line: string) => options.stderr.write(`bench: ${line}\n`);
  options.stdout.write(
    `driver-cert bench ${definition.name} against memory${options.quick ? " (--quick)" : ""}: ` +
      `node ${process.version}, ${cpu.length} x ${cpu[0]?.model ?? "cpu"}, load average ` +
      `${formatLoad(loadStart)}, ${settings.rounds} rounds\n`,
  );
  const memory = await startBaseline(memoryModule.definition);
  let driver: RunningToolkit;
  try {
    driver = await startDriver(definition);
  } catch (error) {
    await memory.close();
    throw error;
  }

  const rows: DriverBenchRow[] = [];
  const outcomes: WorkloadOutcome[] = [];
  let interrupted = false;
  try {
    for (const [index, spec] of selected.entries()) {
      const tag = `[${index + 1}/${selected.length}] ${spec.id}`;
      if (spec.needs && !capabilities[spec.needs]) {
        outcomes.push(notApplicable(spec, settings, `the driver does not declare ${spec.needs}`));
        continue;
      }
      if (options.signal?.aborted) {
        interrupted = true;
        break;
      }
      const outcome = await runBounded(spec, settings, (what) => log(`${tag}: ${what}`), {
        driver,
        memory,
        definition,
        settings,
      });
      rows.push(...outcome.rows);
      outcomes.push(outcome.outcome);
      const seconds = (outcome.outcome.durationMs / 1000).toFixed(1);
      log(
        `${tag}: ${outcome.outcome.status} in ${seconds} s${outcome.outcome.message ? `: ${outcome.outcome.message}` : ""}`,
      );
    }
  } finally {
    // A stop that hangs is the driver's to report (DRV-4); the bench still ends.
    await Promise.allSettled(
      [driver, memory].map((t) => within(t.close(), DISPOSE_TIMEOUT_MS, "stopping a driver")),
    );
  }

  const report = assemble({
    definition,
    module: options.driverModule,
    capabilities,
    settings,
    quick: options.quick ?? false,
    workloads: options.workloads,
    startedAt,
    loadStart,
    rows,
    outcomes,
    budget,
  });
  const outDir = options.outDir ?? "reports";
  const written = await writeBenchReport(
    report,
    isAbsolute(outDir) ? outDir : resolve(cwd, outDir),
  );
  const tableRows = report.rows.map((row) => ({ ...row, target: row.limit }));
  const out = [
    "",
    formatTable(tableRows, "driver"),
    "",
    ...benchLegend(report),
    ...outcomeLines(report).map((line) => `Not measured: ${line}`),
    ...budgetLines(report),
    `Load average ${formatLoad(report.run.loadAverage.start)} at start, ${formatLoad(report.run.loadAverage.end)} at end; ${(report.run.durationMs / 1000).toFixed(1)} s.`,
    `Wrote ${written.join(", ")}`,
    "",
  ];
  options.stdout.write(out.join("\n"));
  if (interrupted) return 130;
  return report.exitCode;
}

/** The catalogue entries `ids` names (all when absent); UsageError naming an unknown id. */
export function selectWorkloads(ids: readonly string[] | undefined): WorkloadSpec[] {
  if (!ids || ids.length === 0) return [...WORKLOADS];
  const unknown = ids.filter((id) => !WORKLOADS.some((w) => w.id === id));
  if (unknown.length > 0) {
    throw new UsageError(
      `--workload: unknown workload ${unknown.join(", ")}`,
      `choose from ${WORKLOADS.map((w) => w.id).join(", ")}`,
    );
  }
  return WORKLOADS.filter((w) => ids.includes(w.id));
}

async function startBaseline(definition: DriverDefinition): Promise<RunningToolkit> {
  try {
    return await startToolkit(definition);
  } catch (error) {
    throw new DriverStartError(
      `the memory reference driver could not be started: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

async function startDriver(definition: DriverDefinition): Promise<RunningToolkit> {
  try {
    return await startToolkit(definition);
  } catch (error) {
    throw new DriverStartError(
      `driver "${definition.name}" could not be started: ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    );
  }
}

function boundOf(spec: WorkloadSpec, settings: DriverBenchSettings): number {
  return spec.needs === "distributed" ? settings.boundMs * 2 : settings.boundMs;
}

function notApplicable(
  spec: WorkloadSpec,
  settings: DriverBenchSettings,
  message: string,
): WorkloadOutcome {
  return {
    id: spec.id,
    status: "not-applicable",
    durationMs: 0,
    boundMs: boundOf(spec, settings),
    message,
  };
}

/** How long a workload's disposers may take once it ended, in ms. */
const DISPOSE_TIMEOUT_MS = 10_000;

/**
 * Runs one workload within its bound: rows and a `measured` outcome, or no rows and `failed`
 * (the error's message) or `over-bound`. Whatever the workload opened is closed either way.
 */
async function runBounded(
  spec: WorkloadSpec,
  settings: DriverBenchSettings,
  progress: (what: string) => void,
  base: Omit<WorkloadContext, "progress" | "defer">,
): Promise<{ rows: DriverBenchRow[]; outcome: WorkloadOutcome }> {
  const boundMs = boundOf(spec, settings);
  const disposers: (() => Promise<unknown>)[] = [];
  const ctx: WorkloadContext = {
    ...base,
    progress,
    defer: (dispose) => disposers.push(dispose),
  };
  const run =
    spec.id === "remote-action"
      ? remoteActionWorkload
      : spec.id === "failover"
        ? failoverWorkload
        : runWorkload;
  const start = performance.now();
  const OVER = Symbol("over-bound");
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<typeof OVER>((settle) => {
    timer = setTimeout(() => settle(OVER), boundMs);
  });
  const outcome = (status: WorkloadOutcome["status"], message?: string): WorkloadOutcome => ({
    id: spec.id,
    status,
    durationMs: performance.now() - start,
    boundMs,
    ...(message ? { message } : {}),
  });
  try {
    const result = await Promise.race([run(spec, ctx), overrun]);
    if (result === OVER) {
      return { rows: [], outcome: outcome("over-bound", `did not finish within ${boundMs} ms`) };
    }
    return { rows: result, outcome: outcome("measured") };
  } catch (error) {
    return { rows: [], outcome: outcome("failed", (error as Error)?.message ?? String(error)) };
  } finally {
    clearTimeout(timer);
    for (const dispose of disposers.reverse()) {
      await within(Promise.resolve().then(dispose), DISPOSE_TIMEOUT_MS, "closing").catch(() => {});
    }
  }
}

/** The inputs of {@link assemble}. */
interface AssembleInput {
  definition: DriverDefinition;
  module: string;
  capabilities: BenchReport["driver"]["capabilities"];
  settings: DriverBenchSettings;
  quick: boolean;
  workloads?: string[];
  startedAt: Date;
  loadStart: [number, number, number];
  rows: readonly DriverBenchRow[];
  outcomes: readonly WorkloadOutcome[];
  budget?: Budget;
}

/** Builds bench.json: ratios, the budget's limits on the rows, what was missed, the exit code. */
export function assemble(input: AssembleInput): BenchReport {
  const rows: BenchResultRow[] = input.rows.map((row) => {
    const ratio = row.baseline ? row.value / row.baseline.value : undefined;
    const limit = input.budget?.limits.get(row.id);
    const result: BenchResultRow = {
      id: row.id,
      workload: row.workload,
      scenario: row.scenario,
      figure: row.figure,
      unit: row.unit,
      value: row.value,
      ...(row.baseline ? { baseline: row.baseline } : {}),
      ...(ratio !== undefined && Number.isFinite(ratio) ? { ratio } : {}),
    };
    if (limit) {
      result.limit = limit;
      result.result = result.ratio !== undefined && keeps(result.ratio, limit) ? "kept" : "missed";
    }
    return result;
  });
  const missed = input.budget ? missedLimits(input.budget, rows, input.outcomes) : [];
  const reasons = [
    ...missed.map((m) => `budget limit ${m.id} missed (${m.reason})`),
    ...input.outcomes
      .filter((o) => o.status === "failed" || o.status === "over-bound")
      .map((o) => `workload ${o.id} ${o.status}`),
  ];
  const finishedAt = new Date();
  const cpu = cpus();
  return {
    schemaVersion: 1,
    tool: { name: "driver-cert", version: TOOL_VERSION },
    driver: {
      name: input.definition.name,
      module: input.module,
      capabilities: { ...input.capabilities },
    },
    baseline: { name: "memory" },
    run: {
      startedAt: input.startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - input.startedAt.getTime(),
      quick: input.quick,
      rounds: input.settings.rounds,
      ...(input.workloads?.length ? { workloads: input.workloads } : {}),
      node: process.version,
      cpus: Math.max(1, cpu.length),
      cpuModel: cpu[0]?.model ?? "unknown",
      loadAverage: { start: input.loadStart, end: loadavg() as [number, number, number] },
    },
    rows,
    workloads: [...input.outcomes],
    ...(input.budget
      ? { budget: { file: input.budget.file, limits: input.budget.limits.size, missed } }
      : {}),
    exitCode: reasons.length > 0 ? 1 : 0,
    reasons,
  };
}

/**
 * Runs plans through vitest's Node API: one project per worker part, all on the same entry
 * module (harness/run/entry.ts), each told its part through `provide`. Several plans (a batch:
 * the mutant runner certifies a hundred drivers) share one vitest instance and its workers, so
 * vitest, the runtime and the suites load once per batch, not once per plan. Vitest's own output
 * is captured; each plan's collector prints its progress.
 */
import { availableParallelism } from "node:os";
import { relative } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import type { Reporter, TestCase, TestModule } from "vitest/node";
import { createVitest } from "vitest/node";
import type { PlanFilters } from "../matrix.ts";
import { casesOfPart, type Plan, registeredCases } from "../matrix.ts";
import { PACKAGE_ROOT, packageModuleUrl } from "../package-info.ts";
import type { Colors } from "../reporters/colors.ts";
import { VitestCollector } from "../reporters/vitest-collector.ts";
import type { CaseMeta } from "../run-case.ts";
import { type BailFlag, createBailFlag } from "./bail-signal.ts";
import type { EntryOptions, EntryRun } from "./entry-options.ts";

const ENTRY = fileURLToPath(packageModuleUrl("./entry.ts", import.meta.url));

/** Most worker processes a run uses. */
export const MAX_WORKERS = 8;
/** Cases one worker runs at once by default. */
export const DEFAULT_CONCURRENCY = 4;

/** What one plan of a batch needs: its driver, suites, filters and outputs. */
export interface PlanRunOptions {
  driverModule: string;
  suitesModule: string;
  filters: PlanFilters;
  timeoutMs?: number;
  bail: boolean;
  /** Progress lines go here. */
  progress?: Writable;
  /** The run's seed (harness/seed.ts). */
  seed: number;
  /** `--repeat N`: attempts per case (default 1). */
  repeat?: number;
  /** Colours for progress lines. */
  colors?: Colors;
}

/** What the plans of one vitest run share: its workers, their concurrency, the temp root. */
export interface BatchOptions {
  /** Worker processes; default the number of cores, at most MAX_WORKERS. */
  workers?: number;
  /** Cases a worker runs at once; default DEFAULT_CONCURRENCY. */
  concurrency?: number;
  /** The run's temp directory (temp-root.ts), handed to the workers. */
  tempRoot?: string;
  /**
   * Aborting stops the run (Ctrl-C): no case starts any more, cases in flight get
   * INTERRUPT_GRACE_MS to finish, then the workers are stopped. `interrupted` is set on the
   * returned collectors.
   */
  signal?: AbortSignal;
}

export interface VitestRunOptions extends PlanRunOptions, BatchOptions {}

/** How long cases in flight may finish after an interruption before workers are stopped, ms. */
export const INTERRUPT_GRACE_MS = 2_000;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function repeatOf(options: PlanRunOptions): number {
  return Math.max(1, options.repeat ?? 1);
}

/**
 * Runs the plan's registered cases and returns the collector holding their outcomes. Vitest's
 * console output is kept and, if vitest itself fails, reported as a harness error.
 */
export async function runPlanWithVitest(
  plan: Plan,
  options: VitestRunOptions,
): Promise<VitestCollector> {
  const [collector] = await runPlansWithVitest([{ plan, options }], options);
  return collector;
}

/**
 * Runs several plans in one vitest run (its workers shared, each plan's cases dealt over them),
 * and returns one collector per plan, in order. An error of vitest itself or of a worker part
 * (a test module that failed to load, an error outside any test) is reported to every plan the
 * part ran, since it cannot tell whose it was.
 */
export async function runPlansWithVitest(
  runs: ReadonlyArray<{ plan: Plan; options: PlanRunOptions }>,
  batch: BatchOptions = {},
): Promise<VitestCollector[]> {
  const flags: (BailFlag | undefined)[] = [];
  try {
    // --bail is ours, not vitest's: see bail-signal.ts for why vitest's cancellation is not used.
    for (const { options } of runs) flags.push(options.bail ? await createBailFlag() : undefined);
    const collectors = runs.map(
      ({ plan, options }, i) =>
        new VitestCollector({
          progress: options.progress,
          total: registeredCases(plan).length * repeatOf(options),
          bailFile: flags[i]?.path,
          root: PACKAGE_ROOT,
          colors: options.colors,
        }),
    );
    const active = runs.map((_, i) => i).filter((i) => registeredCases(runs[i].plan).length > 0);
    if (active.length > 0) await runParts(runs, active, collectors, flags, batch);
    return collectors;
  } finally {
    for (const flag of flags) await flag?.dispose();
  }
}

/** Forwards vitest's events to the collector of the run each case belongs to. */
class BatchReporter implements Reporter {
  readonly #collectors: readonly VitestCollector[];
  constructor(collectors: readonly VitestCollector[]) {
    this.#collectors = collectors;
  }
  onUserConsoleLog(log: Parameters<NonNullable<Reporter["onUserConsoleLog"]>>[0]): void {
    // Logs come before their test's result, keyed by task id: each collector keeps its own.
    for (const collector of this.#collectors) collector.onUserConsoleLog(log);
  }
  onTestCaseResult(testCase: TestCase): void {
    const meta = testCase.meta().driverCert as CaseMeta | undefined;
    this.#collectors[meta?.run ?? 0]?.onTestCaseResult(testCase);
  }
  onTestModuleEnd(testModule: TestModule): void {
    for (const collector of this.#collectors) collector.onTestModuleEnd(testModule);
  }
  onTestRunEnd(
    modules: readonly TestModule[],
    unhandled: Parameters<NonNullable<Reporter["onTestRunEnd"]>>[1],
  ): void {
    for (const collector of this.#collectors) collector.onTestRunEnd(modules, unhandled);
  }
}

async function runParts(
  runs: ReadonlyArray<{ plan: Plan; options: PlanRunOptions }>,
  active: readonly number[],
  collectors: readonly VitestCollector[],
  flags: readonly (BailFlag | undefined)[],
  batch: BatchOptions,
): Promise<void> {
  const batchCollectors = active.map((i) => collectors[i]);
  const runnable = active.reduce(
    (sum, i) => sum + registeredCases(runs[i].plan).filter((c) => c.status === "run").length,
    0,
  );
  const wanted = batch.workers ?? Math.min(availableParallelism(), MAX_WORKERS);
  const parts = Math.max(1, Math.min(wanted, runnable || 1));
  const concurrency = batch.concurrency ?? DEFAULT_CONCURRENCY;
  let captured = "";
  const sink = new Writable({
    write(chunk, _encoding, done) {
      captured += String(chunk);
      done();
    },
  });
  const projects = Array.from({ length: parts }, (_, part) => {
    let offset = 0;
    const entryRuns = active.map((i): EntryRun => {
      const { plan, options } = runs[i];
      const run: EntryRun = {
        driverModule: options.driverModule,
        suitesModule: options.suitesModule,
        filters: options.filters,
        timeoutMs: options.timeoutMs,
        seed: options.seed,
        offset,
        ids: casesOfPart(plan, part, parts, offset).map((c) => c.id),
        ...(flags[i] ? { bailFile: flags[i].path } : {}),
        ...(repeatOf(options) > 1 ? { repeat: repeatOf(options) } : {}),
      };
      offset = (offset + registeredCases(plan).filter((c) => c.status === "run").length) % parts;
      return run;
    });
    const provided: EntryOptions = {
      runs: entryRuns,
      part,
      parts,
      concurrent: concurrency > 1,
      ...(batch.tempRoot ? { tempRoot: batch.tempRoot } : {}),
    };
    return {
      test: {
        name: `part-${part + 1}`,
        include: [relative(PACKAGE_ROOT, ENTRY)],
        exclude: [],
        environment: "node",
        provide: { driverCert: provided },
        maxConcurrency: Math.max(1, concurrency),
        // One module graph for the package's own files (sources or dist/), even in node_modules.
        server: {
          deps: { inline: [new RegExp(`^${escapeRegExp(PACKAGE_ROOT)}/(?!node_modules/)`)] },
        },
      },
    };
  });
  const interrupt = () => {
    for (const collector of batchCollectors) collector.interrupted = true;
  };
  const interrupted = () => batchCollectors.some((c) => c.interrupted);
  const exitCode = process.exitCode;
  const sigintListeners = process.listeners("SIGINT");
  try {
    const vitest = await createVitest(
      "test",
      {
        config: false,
        root: PACKAGE_ROOT,
        watch: false,
        reporters: [new BatchReporter(batchCollectors)],
        projects,
        pool: "forks",
        maxWorkers: parts,
        passWithNoTests: true,
      },
      {},
      { stdout: sink, stderr: sink },
    );
    if (batch.signal) {
      // vitest's logger exits the process on SIGINT (it assumes it owns the process). Ctrl-C is
      // the caller's here: it aborts `signal`, and the run ends with a partial report.
      for (const listener of process.listeners("SIGINT")) {
        if (!sigintListeners.includes(listener)) process.off("SIGINT", listener);
      }
    }
    const signal = batch.signal;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<void>((resolve) => {
      onAbort = () => {
        interrupt();
        void vitest.cancelCurrentRun("keyboard-input");
        setTimeout(resolve, INTERRUPT_GRACE_MS).unref();
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
    try {
      if (!interrupted()) {
        const started = vitest.start();
        // After an interruption the run is abandoned: its late rejection is not an error.
        started.catch(() => {});
        await Promise.race([started, stopped]);
      }
    } finally {
      if (onAbort) signal?.removeEventListener("abort", onAbort);
      await vitest.close();
    }
  } catch (error) {
    if (interrupted()) return;
    const detail = captured.trim() ? `\n${captured.trim()}` : "";
    for (const collector of batchCollectors) {
      collector.harnessErrors.push(
        `vitest failed: ${(error as Error)?.message ?? String(error)}${detail}`,
      );
    }
  } finally {
    // vitest sets process.exitCode when tests fail; the exit code is driver-cert's to decide.
    process.exitCode = exitCode;
  }
}

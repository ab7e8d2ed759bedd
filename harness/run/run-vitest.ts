/**
 * Runs a plan through vitest's Node API: one project per worker part, all on the same entry
 * module (harness/run/entry.ts), each told its part through `provide`. Vitest's own output is
 * captured; the collector prints progress instead.
 */
import { availableParallelism } from "node:os";
import { relative } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { createVitest } from "vitest/node";
import type { PlanFilters } from "../matrix.ts";
import { casesOfPart, type Plan, registeredCases } from "../matrix.ts";
import { PACKAGE_ROOT, packageModuleUrl } from "../package-info.ts";
import type { Colors } from "../reporters/colors.ts";
import { VitestCollector } from "../reporters/vitest-collector.ts";
import { type BailFlag, createBailFlag } from "./bail-signal.ts";
import type { EntryOptions } from "./entry-options.ts";

const ENTRY = fileURLToPath(packageModuleUrl("./entry.ts", import.meta.url));

/** Most worker processes a run uses. */
export const MAX_WORKERS = 8;
/** Cases one worker runs at once by default. */
export const DEFAULT_CONCURRENCY = 4;

export interface VitestRunOptions {
  driverModule: string;
  suitesModule: string;
  filters: PlanFilters;
  timeoutMs?: number;
  bail: boolean;
  /** Progress lines go here. */
  progress?: Writable;
  /** Worker processes; default the number of cores, at most MAX_WORKERS. */
  workers?: number;
  /** Cases a worker runs at once; default DEFAULT_CONCURRENCY. */
  concurrency?: number;
  /** The run's seed (harness/seed.ts). */
  seed: number;
  /** `--repeat N`: attempts per case (default 1). */
  repeat?: number;
  /** The run's temp directory (temp-root.ts), handed to the workers. */
  tempRoot?: string;
  /** Colours for progress lines. */
  colors?: Colors;
  /**
   * Aborting stops the run (Ctrl-C): no case starts any more, cases in flight get
   * INTERRUPT_GRACE_MS to finish, then the workers are stopped. `interrupted` is set on the
   * returned collector.
   */
  signal?: AbortSignal;
}

/** How long cases in flight may finish after an interruption before workers are stopped, ms. */
export const INTERRUPT_GRACE_MS = 2_000;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Runs the plan's registered cases and returns the collector holding their outcomes. Vitest's
 * console output is kept and, if vitest itself fails, reported as a harness error.
 */
export async function runPlanWithVitest(
  plan: Plan,
  options: VitestRunOptions,
): Promise<VitestCollector> {
  const registered = registeredCases(plan);
  if (registered.length === 0) {
    return new VitestCollector({ total: 0, root: PACKAGE_ROOT });
  }
  // --bail is ours, not vitest's: see bail-signal.ts for why vitest's cancellation is not used.
  const flag = options.bail ? await createBailFlag() : undefined;
  try {
    return await runParts(plan, options, flag);
  } finally {
    await flag?.dispose();
  }
}

async function runParts(
  plan: Plan,
  options: VitestRunOptions,
  flag: BailFlag | undefined,
): Promise<VitestCollector> {
  const registered = registeredCases(plan);
  const collector = new VitestCollector({
    progress: options.progress,
    total: registered.length * Math.max(1, options.repeat ?? 1),
    bailFile: flag?.path,
    root: PACKAGE_ROOT,
    colors: options.colors,
  });
  const repeat = Math.max(1, options.repeat ?? 1);
  const runnable = registered.filter((c) => c.status === "run").length;
  const wanted = options.workers ?? Math.min(availableParallelism(), MAX_WORKERS);
  const parts = Math.max(1, Math.min(wanted, runnable || 1));
  const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
  let captured = "";
  const sink = new Writable({
    write(chunk, _encoding, done) {
      captured += String(chunk);
      done();
    },
  });
  const projects = Array.from({ length: parts }, (_, part) => {
    const provided: EntryOptions = {
      driverModule: options.driverModule,
      suitesModule: options.suitesModule,
      filters: options.filters,
      timeoutMs: options.timeoutMs,
      seed: options.seed,
      part,
      parts,
      ids: casesOfPart(plan, part, parts).map((c) => c.id),
      concurrent: concurrency > 1,
      bailFile: flag?.path,
      ...(repeat > 1 ? { repeat } : {}),
      ...(options.tempRoot ? { tempRoot: options.tempRoot } : {}),
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
  const exitCode = process.exitCode;
  const sigintListeners = process.listeners("SIGINT");
  try {
    const vitest = await createVitest(
      "test",
      {
        config: false,
        root: PACKAGE_ROOT,
        watch: false,
        reporters: [collector],
        projects,
        pool: "forks",
        maxWorkers: parts,
        passWithNoTests: true,
      },
      {},
      { stdout: sink, stderr: sink },
    );
    if (options.signal) {
      // vitest's logger exits the process on SIGINT (it assumes it owns the process). Ctrl-C is
      // the caller's here: it aborts `signal`, and the run ends with a partial report.
      for (const listener of process.listeners("SIGINT")) {
        if (!sigintListeners.includes(listener)) process.off("SIGINT", listener);
      }
    }
    const signal = options.signal;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<void>((resolve) => {
      onAbort = () => {
        collector.interrupted = true;
        void vitest.cancelCurrentRun("keyboard-input");
        setTimeout(resolve, INTERRUPT_GRACE_MS).unref();
      };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
    try {
      if (!collector.interrupted) {
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
    if (collector.interrupted) return collector;
    const detail = captured.trim() ? `\n${captured.trim()}` : "";
    collector.harnessErrors.push(
      `vitest failed: ${(error as Error)?.message ?? String(error)}${detail}`,
    );
  } finally {
    // vitest sets process.exitCode when tests fail; the exit code is driver-cert's to decide.
    process.exitCode = exitCode;
  }
  return collector;
}

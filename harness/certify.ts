/**
 * `runCertification()`: the library behind `driver-cert run` and `driver-cert list`. Loads and
 * validates the driver module, plans the run, runs it through vitest, builds the report and
 * writes the reporters' outputs. Never exits the process; the report's verdict decides the exit
 * code (`exitCodeFor()`).
 */
import { isAbsolute, resolve } from "node:path";
import type { Writable } from "node:stream";
import type { Encoding, Transport } from "../runtime/protocol/index.ts";
import { DriverLoadError, DriverStartError, isKnownStartError, UsageError } from "./errors.ts";
import { describeDriver, planAsJson, planTotals, renderPlan } from "./listing.ts";
import { loadDriverModule } from "./load-driver.ts";
import {
  CLIENT_TYPES,
  ENCODINGS,
  type Plan,
  type PlanFilters,
  planRun,
  type Shard,
  TRANSPORTS,
} from "./matrix.ts";
import { DEFAULT_DRIVER_MODULE, TOOL_VERSION } from "./package-info.ts";
import { type PreflightTimeouts, preflightDriver } from "./preflight.ts";
import { DEFAULT_SUITES_MODULE, loadSuites } from "./register.ts";
import { buildReport } from "./report/build.ts";
import { readExpectations, writeExpectations } from "./report/expectations.ts";
import { type CertificationReport, reportSchema } from "./report/model.ts";
import { startErrorReport } from "./report/start-error.ts";
import { type Colors, colorsFor } from "./reporters/colors.ts";
import { renderRecap, renderSummary, shownPath } from "./reporters/console.ts";
import { parseReporterSpecs, type ReporterSpec } from "./reporters/registry.ts";
import type { VitestCollector } from "./reporters/vitest-collector.ts";
import { writeOutputs } from "./run/outputs.ts";
import { rerunCommand } from "./run/rerun.ts";
import type { BatchOptions } from "./run/run-vitest.ts";
import { createTempRoot } from "./run/temp-root.ts";
import { loadRuntimeBindings } from "./runtime-bindings.ts";
import { isSeed, MAX_SEED, runSeed } from "./seed.ts";
import { checkSelection } from "./selection.ts";
import type { ClientType } from "./suite-api.ts";
import { importTypeScript } from "./ts-import.ts";

/** Options of a certification run; the CLI flags map onto these one to one. */
export interface CertificationOptions {
  /** Path of the driver module (.js or .ts); default the memory reference driver. */
  driverModule?: string;
  /** Path of a module exporting `suites`; default harness/suites/index.ts. */
  suitesModule?: string;
  /** Keep only these suites (--suite). */
  suites?: string[];
  /** Keep tests whose "<id> <title> <clause>" matches this case-insensitive regex (--grep). */
  grep?: string;
  /** Keep these exact test ids (--id, repeatable). */
  ids?: string[];
  /** Keep the tests of these exact clause ids (--clause). */
  clauses?: string[];
  client?: ClientType;
  transport?: Transport;
  encoding?: Encoding;
  /** `--shard i/n`: run one deterministic slice of the selected tests. */
  shard?: Shard;
  /** `--repeat N`: run each selected test N times; differing outcomes mark it `flaky`. */
  repeat?: number;
  /**
   * Outputs: reporter names (json, junit, markdown, html), each written to its file in
   * `outDir`, or `<name>:-` for stdout (then progress goes to `stderr`). Default all files.
   */
  reporters?: ReporterSpec[];
  /** Directory for report files, relative to `cwd`; default `reports`. `-` is refused. */
  outDir?: string;
  /** Stop after the first failure (--bail). */
  bail?: boolean;
  /** Per-test budget in ms for tests that set none (--timeout); default 10,000. */
  timeoutMs?: number;
  /** Print the plan and run nothing (--list); `listJson` prints it as JSON. */
  list?: boolean;
  listJson?: boolean;
  /** `--expectations <file>`: known failures (report/expectations.ts). */
  expectations?: string;
  /** `--write-expectations <file>`: write the failures of this run as an expectations file. */
  writeExpectations?: string;
  /** Worker processes (default: cores, at most 8) and cases at once per worker (default 4). */
  workers?: number;
  concurrency?: number;
  /** Aborting it interrupts the run (Ctrl-C): a partial report marked interrupted, exit 130. */
  signal?: AbortSignal;
  /** Base for relative paths; default process.cwd(). */
  cwd?: string;
  /** Progress, listing and summary go here; default process.stdout. */
  stdout?: Writable;
  /** Errors outside the tests (harness errors, unhandled errors) go here; default process.stderr. */
  stderr?: Writable;
  /** Environment read for colour, GitHub Actions and $GITHUB_STEP_SUMMARY; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** Bounds (ms) of the start check before the tests; default the test context's (10 s, 5 s). */
  preflight?: PreflightTimeouts;
  /**
   * The run's seed (--seed, 0..4294967295): replays a run's generated inputs exactly. Default a
   * random one; either way it is printed and stored in the report (harness/seed.ts).
   */
  seed?: number;
}

/** What a run produced: the plan for `--list`, else the report and the files written. */
export type CertificationResult =
  | { kind: "list"; plan: Plan }
  | { kind: "run"; plan: Plan; report: CertificationReport; files: string[] };

function positive(flag: string, value: number | undefined, unit: string): void {
  if (value !== undefined && !(Number.isInteger(value) && value > 0)) {
    throw new UsageError(`--${flag} ${String(value)} must be a positive whole number${unit}`);
  }
}

function checkOptions(options: CertificationOptions): void {
  const oneOf = (flag: string, value: string | undefined, allowed: readonly string[]) => {
    if (value !== undefined && !allowed.includes(value)) {
      throw new UsageError(`--${flag} ${value} is not one of ${allowed.join(", ")}`);
    }
  };
  oneOf("client", options.client, CLIENT_TYPES);
  oneOf("transport", options.transport, TRANSPORTS);
  oneOf("encoding", options.encoding, ENCODINGS);
  if (options.seed !== undefined && !isSeed(options.seed)) {
    throw new UsageError(
      `--seed ${String(options.seed)} must be a whole number from 0 to ${MAX_SEED}`,
    );
  }
  positive("timeout", options.timeoutMs, " of milliseconds");
  positive("repeat", options.repeat, "");
  positive("workers", options.workers, "");
  const shard = options.shard;
  if (
    shard &&
    !(
      Number.isInteger(shard.index) &&
      Number.isInteger(shard.count) &&
      shard.index >= 1 &&
      shard.index <= shard.count
    )
  ) {
    throw new UsageError(`--shard ${shard.index}/${shard.count}: expected i/n with 1 <= i <= n`);
  }
  if (options.outDir === "-") {
    throw new UsageError(
      "--out - is not supported: --out names a directory for report files",
      "to write the JSON report to stdout use --reporter json:- (progress then goes to stderr)",
    );
  }
}

/** A run loaded, planned and checked, ready for vitest (prepareRun), and what its report needs. */
interface PreparedRun {
  options: CertificationOptions;
  plan: Plan;
  /** Absolute path of the driver module. */
  path: string;
  suitesModule: string;
  filters: PlanFilters;
  seed: number;
  cwd: string;
  stderr: Writable;
  progress: Writable;
  colors: Colors;
  startedAt: Date;
  expectations: Awaited<ReturnType<typeof readExpectations>> | undefined;
  write(report: CertificationReport): Promise<string[]>;
}

/**
 * Everything of a run before its tests: options checked, driver loaded and validated, suites
 * planned, the driver started and stopped once. Returns the listing for `list`. Throws as
 * runCertification documents, after writing the start-error reports for a load or start failure.
 */
async function prepareRun(
  options: CertificationOptions,
): Promise<PreparedRun | Extract<CertificationResult, { kind: "list" }>> {
  checkOptions(options);
  const outputs = parseReporterSpecs(options.reporters);
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  // With a reporter on stdout, stdout carries that report only: the rest goes to stderr.
  const progress = outputs.some((o) => o.stdout) ? stderr : stdout;
  const colors = colorsFor(progress, env);
  const outDir = isAbsolute(options.outDir ?? "reports")
    ? options.outDir!
    : resolve(cwd, options.outDir ?? "reports");
  const write = (report: CertificationReport) =>
    writeOutputs(report, { outputs, outDir, stdout, annotations: progress, cwd, env });
  // A bad expectations file is a usage error before anything loads or starts.
  const expectations =
    options.expectations && !options.list
      ? await readExpectations(resolve(cwd, options.expectations), options.expectations)
      : undefined;
  const startedAt = new Date();
  const failedToStart = async (error: unknown, plan?: Plan) => {
    if (!options.list && (error instanceof DriverLoadError || error instanceof DriverStartError)) {
      const module = shownPath(cwd, resolve(cwd, options.driverModule ?? DEFAULT_DRIVER_MODULE));
      const report = startErrorReport(error, {
        module,
        plan,
        startedAt,
        toolVersion: TOOL_VERSION,
      });
      // The report is a courtesy: failing to write it must not hide why the run could not start.
      await write(report).catch((writeError: unknown) =>
        stderr.write(
          `driver-cert: could not write the reports to ${outDir}: ${(writeError as Error)?.message ?? String(writeError)}\n`,
        ),
      );
    }
    return error;
  };
  let plan: Plan | undefined;
  let path: string;
  let suitesModule: string;
  let definition: Awaited<ReturnType<typeof loadDriverModule>>["definition"];
  const filters = {
    suites: options.suites,
    grep: options.grep,
    ids: options.ids,
    clauses: options.clauses,
    client: options.client,
    transport: options.transport,
    encoding: options.encoding,
    shard: options.shard,
  };
  try {
    ({ definition, path } = await loadDriverModule(
      options.driverModule ?? DEFAULT_DRIVER_MODULE,
      importTypeScript,
      cwd,
    ));
    suitesModule = options.suitesModule
      ? resolve(cwd, options.suitesModule)
      : DEFAULT_SUITES_MODULE;
    const suites = await loadSuites(suitesModule, importTypeScript);
    plan = planRun(suites, {
      driverName: definition.name,
      capabilities: definition.capabilities,
      filters,
      timeoutMs: options.timeoutMs,
    });
    checkSelection(plan);
    if (options.list) {
      stdout.write(
        options.listJson ? `${JSON.stringify(planAsJson(plan), null, 2)}\n` : renderPlan(plan),
      );
      return { kind: "list", plan };
    }
    await preflightDriver(definition, loadRuntimeBindings, options.preflight);
  } catch (error) {
    throw await failedToStart(error, plan);
  }
  progress.write(
    `driver-cert ${TOOL_VERSION}: certifying ${describeDriver(plan)}\n${planTotals(plan)}` +
      `${options.repeat && options.repeat > 1 ? ` (each ${options.repeat} times)` : ""}\n\n`,
  );
  return {
    options,
    plan,
    path,
    suitesModule,
    filters,
    seed: runSeed(options.seed),
    cwd,
    stderr,
    progress,
    colors,
    startedAt,
    expectations,
    write,
  };
}

/** Runs prepared runs in one vitest run (harness/run/run-vitest.ts); one collector each. */
async function runPrepared(prepared: readonly PreparedRun[], batch: BatchOptions) {
  const tempRoot = await createTempRoot();
  // Loaded only for a run: vitest's Node API takes seconds to import.
  const { runPlansWithVitest } = await import("./run/run-vitest.ts");
  try {
    return await runPlansWithVitest(
      prepared.map((run) => ({
        plan: run.plan,
        options: {
          driverModule: run.path,
          suitesModule: run.suitesModule,
          filters: run.filters,
          timeoutMs: run.options.timeoutMs,
          bail: run.options.bail === true,
          progress: run.progress,
          repeat: run.options.repeat,
          colors: run.colors,
          seed: run.seed,
        },
      })),
      { ...batch, tempRoot: tempRoot.path },
    );
  } finally {
    await tempRoot.dispose();
  }
}

/** Builds, writes and prints the report of a run from what its collector gathered. */
async function finishRun(
  run: PreparedRun,
  collector: VitestCollector,
  signal: AbortSignal | undefined,
): Promise<CertificationResult> {
  const { options, plan, cwd, seed, progress, colors } = run;
  const report = reportSchema.parse(
    buildReport({
      plan,
      outcomes: collector.outcomes,
      toolVersion: TOOL_VERSION,
      driverModule: shownPath(cwd, run.path),
      startedAt: run.startedAt,
      finishedAt: new Date(),
      bail: options.bail === true,
      harnessErrors: collector.harnessErrors,
      unhandledErrors: collector.unhandledErrors,
      seed,
      interrupted: collector.interrupted || signal?.aborted === true,
      repeat: options.repeat,
      expectations: run.expectations,
      rerun: (id) => rerunCommand(id, { ...options, seed }),
      cwd,
    }),
  );
  const files = await run.write(report);
  if (options.writeExpectations) {
    const file = resolve(cwd, options.writeExpectations);
    await writeExpectations(report, file);
    files.push(file);
  }
  progress.write(renderRecap(report, colors));
  progress.write(renderSummary(report, files, cwd, colors));
  const outside = [...report.harnessErrors, ...report.unhandledErrors];
  if (outside.length > 0) {
    run.stderr.write(`${outside.map((e) => `driver-cert: error: ${e}`).join("\n")}\n`);
  }
  return { kind: "run", plan, report, files };
}

/**
 * Certifies a driver. Throws DriverLoadError (module missing, throwing on import, or breaking the
 * contract), DriverStartError (the driver could not be started and stopped once, checked before
 * any test; never for `list`) and UsageError (bad option, or filters that select no test)
 * before any test runs; any other throw is a harness bug. For a load or start failure `run`
 * first writes the reports (report.json names the failure under `startError`, verdict `error`).
 * A run deletes, from the output directory, the report files of reporters it does not write, so
 * no stale report is left beside the new ones.
 *
 * @example
 * const result = await runCertification({ driverModule: "./my-driver.ts" });
 * process.exitCode = exitCodeFor(result);
 */
export async function runCertification(
  options: CertificationOptions = {},
): Promise<CertificationResult> {
  const prepared = await prepareRun(options);
  if ("kind" in prepared) return prepared;
  const [collector] = await runPrepared([prepared], {
    workers: options.workers,
    concurrency: options.concurrency,
    signal: options.signal,
  });
  return finishRun(prepared, collector, options.signal);
}

/** What the runs of runCertifications share. */
export type BatchCertificationOptions = Pick<
  CertificationOptions,
  "workers" | "concurrency" | "signal"
>;

/**
 * Certifies several drivers (or selections) in one vitest run: vitest starts once, its workers
 * load the runtime and the suites once, and every run's cases are dealt over them; each run
 * gets its own plan, seed, report and files, as runCertification would give it. The runs'
 * own `workers`, `concurrency` and `signal` are ignored: `batch` sets them for all. Settles
 * one entry per run, in order: rejected with what runCertification would have thrown (a driver
 * that does not load or start, a bad option), else fulfilled with the run's result.
 *
 * @example
 * const [a, b] = await runCertifications([{ driverModule: "./a.ts" }, { driverModule: "./b.ts" }]);
 */
export async function runCertifications(
  runs: readonly CertificationOptions[],
  batch: BatchCertificationOptions = {},
): Promise<PromiseSettledResult<CertificationResult>[]> {
  const results: PromiseSettledResult<CertificationResult>[] = [];
  const prepared: { index: number; run: PreparedRun }[] = [];
  for (const [index, options] of runs.entries()) {
    try {
      const run = await prepareRun(options);
      if ("kind" in run) results[index] = { status: "fulfilled", value: run };
      else prepared.push({ index, run });
    } catch (reason) {
      results[index] = { status: "rejected", reason };
    }
  }
  if (prepared.length > 0) {
    const collectors = await runPrepared(
      prepared.map((p) => p.run),
      batch,
    );
    for (const [i, { index, run }] of prepared.entries()) {
      results[index] = await finishRun(run, collectors[i], batch.signal).then(
        (value) => ({ status: "fulfilled", value }),
        (reason: unknown) => ({ status: "rejected", reason }),
      );
    }
  }
  return results;
}

/**
 * The process exit code for a run's outcome (a CertificationResult, or what runCertification
 * threw): the report's verdict (0 pass, 1 fail, 2 error, 130 interrupted); 0 for a listing; 2
 * for a thrown error (the driver could not be loaded or started, a bad option, a harness bug).
 */
export function exitCodeFor(outcome: CertificationResult | unknown): 0 | 1 | 2 | 130 {
  if (isKnownStartError(outcome) || outcome instanceof Error) return 2;
  const result = outcome as CertificationResult;
  if (result?.kind === "list") return 0;
  if (result?.kind !== "run") return 2;
  return result.report.verdict.exitCode;
}

/**
 * `runCertification()`: the library behind `driver-cert run` and `driver-cert list`. Loads and
 * validates the driver module, plans the run, runs it through vitest, builds the report and
 * writes the reporters' files. Never exits the process; `exitCodeFor()` is the one place the
 * exit code is decided.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { isAbsolute, join, relative, resolve } from "node:path";
import type { Writable } from "node:stream";
import { tsImport } from "tsx/esm/api";
import type { Encoding, Transport } from "../runtime/protocol/index.ts";
import { isKnownStartError, UsageError } from "./errors.ts";
import { describeDriver, planTotals, renderPlan } from "./listing.ts";
import { loadDriverModule } from "./load-driver.ts";
import { CLIENT_TYPES, ENCODINGS, type Plan, planRun, TRANSPORTS } from "./matrix.ts";
import { DEFAULT_DRIVER_MODULE, TOOL_VERSION } from "./package-info.ts";
import { type PreflightTimeouts, preflightDriver } from "./preflight.ts";
import { DEFAULT_SUITES_MODULE, loadSuites } from "./register.ts";
import { buildReport, hasRequiredFailure } from "./report/build.ts";
import { type CertificationReport, reportSchema } from "./report/model.ts";
import { REPORTER_NAMES, REPORTERS, type ReporterName } from "./reporters/registry.ts";
import { loadRuntimeBindings } from "./runtime-bindings.ts";
import { isSeed, MAX_SEED, runSeed } from "./seed.ts";
import type { ClientType } from "./suite-api.ts";

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
  client?: ClientType;
  transport?: Transport;
  encoding?: Encoding;
  /** Report files to write; default all of REPORTERS. */
  reporters?: ReporterName[];
  /** Directory for report files, relative to `cwd`; default `reports`. */
  outDir?: string;
  /** Stop after the first failure (--bail). */
  bail?: boolean;
  /** Per-test budget in ms for tests that set none (--timeout); default 10,000. */
  timeoutMs?: number;
  /** Print the plan and run nothing (--list). */
  list?: boolean;
  /** Worker processes (default: cores, at most 8) and cases at once per worker (default 4). */
  workers?: number;
  concurrency?: number;
  /** Base for relative paths; default process.cwd(). */
  cwd?: string;
  /** Progress, listing and summary go here; default process.stdout. */
  stdout?: Writable;
  /** Errors outside the tests (harness errors, unhandled errors) go here; default process.stderr. */
  stderr?: Writable;
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

const tsImporter = (url: string) => tsImport(url, import.meta.url);

function checkOptions(options: CertificationOptions): void {
  const oneOf = (flag: string, value: string | undefined, allowed: readonly string[]) => {
    if (value !== undefined && !allowed.includes(value)) {
      throw new UsageError(`--${flag} ${value} is not one of ${allowed.join(", ")}`);
    }
  };
  oneOf("client", options.client, CLIENT_TYPES);
  oneOf("transport", options.transport, TRANSPORTS);
  oneOf("encoding", options.encoding, ENCODINGS);
  for (const name of options.reporters ?? []) oneOf("reporter", name, REPORTER_NAMES);
  if (options.seed !== undefined && !isSeed(options.seed)) {
    throw new UsageError(
      `--seed ${String(options.seed)} must be a whole number from 0 to ${MAX_SEED}`,
    );
  }
  const t = options.timeoutMs;
  if (t !== undefined && !(Number.isInteger(t) && t > 0)) {
    throw new UsageError(`--timeout ${String(t)} must be a positive whole number of milliseconds`);
  }
}

/**
 * Certifies a driver. Throws DriverLoadError (module missing, throwing on import, or breaking the
 * contract), DriverStartError (the driver could not be started and stopped once, checked before
 * any test; never for `list`) and UsageError (bad option) before any test runs; any other throw
 * is a harness bug. A run first deletes the files of reporters it does not write from the output
 * directory (`report.json`, `junit.xml`, `summary.md` only), so no stale report is left beside
 * the new ones.
 *
 * @example
 * const result = await runCertification({ driverModule: "./my-driver.ts" });
 * process.exitCode = exitCodeFor(result);
 */
export async function runCertification(
  options: CertificationOptions = {},
): Promise<CertificationResult> {
  checkOptions(options);
  const cwd = options.cwd ?? process.cwd();
  const stdout = options.stdout ?? process.stdout;
  const { definition, path } = await loadDriverModule(
    options.driverModule ?? DEFAULT_DRIVER_MODULE,
    tsImporter,
    cwd,
  );
  const suitesModule = options.suitesModule
    ? resolve(cwd, options.suitesModule)
    : DEFAULT_SUITES_MODULE;
  const suites = await loadSuites(suitesModule, tsImporter);
  const filters = {
    suites: options.suites,
    grep: options.grep,
    client: options.client,
    transport: options.transport,
    encoding: options.encoding,
  };
  const plan = planRun(suites, {
    driverName: definition.name,
    capabilities: definition.capabilities,
    filters,
    timeoutMs: options.timeoutMs,
  });
  if (options.list) {
    stdout.write(renderPlan(plan));
    return { kind: "list", plan };
  }
  await preflightDriver(definition, loadRuntimeBindings, options.preflight);
  const outDir = isAbsolute(options.outDir ?? "reports")
    ? options.outDir!
    : resolve(cwd, options.outDir ?? "reports");
  const selected = options.reporters ?? REPORTER_NAMES;
  await removeStaleReports(
    outDir,
    REPORTER_NAMES.filter((name) => !selected.includes(name)),
  );
  stdout.write(
    `driver-cert ${TOOL_VERSION}: certifying ${describeDriver(plan)}\n${planTotals(plan)}\n\n`,
  );
  const seed = runSeed(options.seed);
  const startedAt = new Date();
  // Loaded only for a run: vitest's Node API takes seconds to import.
  const { runPlanWithVitest } = await import("./run/run-vitest.ts");
  const collector = await runPlanWithVitest(plan, {
    driverModule: path,
    suitesModule,
    filters,
    timeoutMs: options.timeoutMs,
    bail: options.bail === true,
    progress: stdout,
    workers: options.workers,
    concurrency: options.concurrency,
    seed,
  });
  const report = reportSchema.parse(
    buildReport({
      plan,
      outcomes: collector.outcomes,
      toolVersion: TOOL_VERSION,
      driverModule: shownPath(cwd, path),
      startedAt,
      finishedAt: new Date(),
      bail: options.bail === true,
      harnessErrors: collector.harnessErrors,
      unhandledErrors: collector.unhandledErrors,
      seed,
    }),
  );
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  for (const name of selected) {
    const writer = REPORTERS[name]();
    const file = join(outDir, writer.fileName);
    await writeFile(file, writer.render(report));
    files.push(file);
  }
  stdout.write(summarize(report, files, cwd));
  const outside = [...report.harnessErrors, ...report.unhandledErrors];
  if (outside.length > 0) {
    (options.stderr ?? process.stderr).write(
      `${outside.map((e) => `driver-cert: error: ${e}`).join("\n")}\n`,
    );
  }
  return { kind: "run", plan, report, files };
}

/** Deletes the report files of `unselected` reporters from `outDir`; nothing else is touched. */
async function removeStaleReports(outDir: string, unselected: readonly ReporterName[]) {
  for (const name of unselected) {
    await rm(join(outDir, REPORTERS[name]().fileName), { force: true });
  }
}

/** `path` relative to `cwd` when inside it, else absolute. */
function shownPath(cwd: string, path: string): string {
  const rel = relative(cwd, path);
  return rel === "" || rel.startsWith("..") || isAbsolute(rel) ? path : rel;
}

function summarize(report: CertificationReport, files: string[], cwd: string): string {
  const c = report.counts;
  const lines = [
    "",
    `${report.driver.name}: ${report.level.name}`,
    `${c.pass} passed, ${c.fail} failed, ${c.timeout} timed out, ${c.unsupported} unsupported, ${c.skipped} skipped ` +
      `(${(report.run.durationMs / 1000).toFixed(1)} s)`,
  ];
  if (report.run.seed !== undefined)
    lines.push(`seed ${report.run.seed} (replay the same inputs: --seed ${report.run.seed})`);
  const shown = report.level.reasons.slice(0, 10);
  for (const reason of shown) lines.push(`  - ${reason}`);
  if (report.level.reasons.length > shown.length) {
    lines.push(`  - ... ${report.level.reasons.length - shown.length} more in the report`);
  }
  for (const warning of report.level.warnings) lines.push(`  warning: ${warning}`);
  if (files.length > 0) lines.push(`reports: ${files.map((f) => shownPath(cwd, f)).join(", ")}`);
  return `${lines.join("\n")}\n`;
}

/**
 * The process exit code for a run's outcome (a CertificationResult, or what runCertification
 * threw): 0 certified (or a listing, or a partial run without a required failure); 1 a
 * required test failed or the run is not certified; 2 the driver could not be loaded, an
 * option was bad, or the harness broke.
 */
export function exitCodeFor(outcome: CertificationResult | unknown): 0 | 1 | 2 {
  if (isKnownStartError(outcome) || outcome instanceof Error) return 2;
  const result = outcome as CertificationResult;
  if (result?.kind === "list") return 0;
  if (result?.kind !== "run") return 2;
  const { report } = result;
  if (report.harnessErrors.length > 0) return 2;
  if (report.level.certified) return 0;
  if (report.run.partial)
    return hasRequiredFailure(report) || report.unhandledErrors.length > 0 ? 1 : 0;
  return 1;
}

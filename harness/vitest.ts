/**
 * `driver-cert/vitest`: runs the certification inside a driver author's own vitest file, with
 * the same tests and the same ids as `driver-cert run`.
 */
import { isAbsolute, resolve } from "node:path";
import type { DriverDefinition } from "../runtime/driver/index.ts";
import { loadDriverModule, validateDriverDefinition } from "./load-driver.ts";
import { planRun, registeredCases } from "./matrix.ts";
import {
  DEFAULT_SUITES_MODULE,
  describeCertification,
  loadSuites,
  registerCases,
  registerClauseCoverage,
} from "./register.ts";
import { loadRuntimeBindings } from "./runtime-bindings.ts";
import { runSeed } from "./seed.ts";
import { checkSelection } from "./selection.ts";
import type { ClientType } from "./suite-api.ts";
import { importTypeScript } from "./ts-import.ts";

/**
 * Imports a module by URL. Where vitest transforms this file (a checkout, or `server.deps.inline`)
 * `import()` goes through vitest and loads `.ts`; where it runs the installed package natively,
 * Node 20 refuses `.ts` (ERR_UNKNOWN_FILE_EXTENSION) and tsx loads it instead.
 */
async function importModule(url: string): Promise<unknown> {
  try {
    return await import(/* @vite-ignore */ url);
  } catch (error) {
    if ((error as { code?: unknown })?.code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
    return importTypeScript(url);
  }
}

/** Options of runDriverTests; filters as in `driver-cert run`. */
export interface DriverTestOptions {
  /** Keep only these suites. */
  suites?: string[];
  /** Keep tests whose "<id> <title> <clause>" matches this case-insensitive regex. */
  grep?: string;
  /** Keep these exact test ids (as `--id`). */
  ids?: string[];
  /** Keep the tests of these exact clause ids (as `--clause`: CONN-1 is not CONN-10). */
  clauses?: string[];
  client?: ClientType;
  transport?: "websocket" | "sse";
  encoding?: "json" | "cbor";
  /** Per-test budget in ms for tests that set none; default 10,000. */
  timeoutMs?: number;
  /** Run the tests concurrently (vitest's maxConcurrency bounds them); default false. */
  concurrent?: boolean;
  /** Path of a module exporting `suites`; default the built-in suites. */
  suitesModule?: string;
  /** Seed of the generated inputs (harness/seed.ts); default a random one, named on failures. */
  seed?: number;
  /**
   * Path of the driver's module, for suites that start the driver in another process (crash).
   * Default: `driver` itself when it is a path.
   */
  driverModule?: string;
}

/**
 * Registers the certification tests in the calling vitest file, inside a `driver-cert`
 * describe block: one test per case, named `<id> (<clause>): <title>`. As in `driver-cert run`,
 * a failed SHOULD-clause test is a warning: the vitest test passes with a warning annotation
 * naming the clause and the error. Filters that select no test fail collection with the CLI's
 * message (UsageError `invalid_option`). When no filter is
 * set, one more (COVERAGE_TEST_NAME) that fails, as `driver-cert run` does, when a MUST clause
 * the manifest covers has no test. `driver` is a definition (the
 * module's default export) or a module path, resolved against process.cwd(). An invalid driver
 * fails collection with the same one-line message as `driver-cert run` (DRV-1).
 *
 * Works with vitest's defaults: the installed package is JavaScript, and a `.ts` module given by
 * path loads through vitest's transform, or through tsx where vitest runs the package natively.
 *
 * @example
 * import { runDriverTests } from "driver-cert/vitest";
 * import driver from "./my-driver.ts";
 * runDriverTests(driver);
 */
export function runDriverTests(
  driver: DriverDefinition | string,
  options: DriverTestOptions = {},
): void {
  describeCertification(async () => {
    const importer = importModule;
    const modulePath =
      typeof driver === "string" ? (isAbsolute(driver) ? driver : resolve(driver)) : undefined;
    const definition =
      modulePath !== undefined
        ? (await loadDriverModule(modulePath, importer)).definition
        : validateDriverDefinition(driver, "runDriverTests(driver)");
    const suitesModule = options.suitesModule
      ? resolve(options.suitesModule)
      : DEFAULT_SUITES_MODULE;
    const suites = await loadSuites(suitesModule, importer);
    const plan = planRun(suites, {
      driverName: definition.name,
      capabilities: definition.capabilities,
      filters: {
        suites: options.suites,
        grep: options.grep,
        ids: options.ids,
        clauses: options.clauses,
        client: options.client,
        transport: options.transport,
        encoding: options.encoding,
      },
      timeoutMs: options.timeoutMs,
    });
    checkSelection(plan);
    const env = {
      definition,
      bindings: loadRuntimeBindings,
      seed: runSeed(options.seed),
      driverModule: options.driverModule ? resolve(options.driverModule) : modulePath,
      shouldFailuresWarn: true,
    };
    registerCases(registeredCases(plan), env, options);
    registerClauseCoverage(plan);
  });
}

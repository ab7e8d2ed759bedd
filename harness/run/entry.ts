/**
 * The vitest test module `driver-cert run` starts, once per worker part: for each run of the
 * batch it loads the driver and the suites, plans the run exactly as the main process did, and
 * registers this part's cases. Modules the runs share (the runtime, the harness, the suites)
 * load once per worker.
 */
import { inject } from "vitest";
import { HarnessError } from "../errors.ts";
import { loadDriverModule } from "../load-driver.ts";
import { casesOfPart, planRun } from "../matrix.ts";
import { describeCertification, loadSuites, registerCases } from "../register.ts";
import { loadRuntimeBindings } from "../runtime-bindings.ts";
import { ENTRY_KEY, type EntryRun } from "./entry-options.ts";
import { TEMP_ROOT_ENV } from "./temp-root.ts";

const options = inject(ENTRY_KEY);
// Test data directories go inside the run's own temp directory, removed as a whole after the
// run even when Ctrl-C stopped it before a test could tear down (harness/run/temp-root.ts).
if (options.tempRoot) process.env[TEMP_ROOT_ENV] = options.tempRoot;

async function registerRun(run: EntryRun, index: number): Promise<void> {
  const importer = (url: string) => import(/* @vite-ignore */ url);
  const { definition } = await loadDriverModule(run.driverModule, importer);
  const suites = await loadSuites(run.suitesModule, importer);
  const plan = planRun(suites, {
    driverName: definition.name,
    capabilities: definition.capabilities,
    filters: run.filters,
    timeoutMs: run.timeoutMs,
  });
  const cases = casesOfPart(plan, options.part, options.parts, run.offset);
  const ids = cases.map((c) => c.id);
  if (ids.join("\n") !== run.ids.join("\n")) {
    // Suites must plan deterministically: the main process and every worker compute one plan.
    throw new HarnessError(
      "harness_broken",
      `part ${options.part + 1}/${options.parts} planned ${ids.length} cases, the main process ${run.ids.length}; ` +
        "a suite registers tests differently from one import to the next",
    );
  }
  registerCases(
    cases,
    {
      definition,
      bindings: loadRuntimeBindings,
      bailFile: run.bailFile,
      seed: run.seed,
      driverModule: run.driverModule,
      run: index,
    },
    { concurrent: options.concurrent, repeat: run.repeat },
  );
}

options.runs.forEach((run, index) => {
  // A run with no case in this part is not even loaded here.
  if (run.ids.length > 0) describeCertification(() => registerRun(run, index));
});

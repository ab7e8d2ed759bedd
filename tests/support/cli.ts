/** Runs the CLI's main() in process with captured streams, for the CLI's own tests. */
import { main } from "../../bin/cli.ts";
import { Capture } from "./capture.ts";

/** What one CLI invocation printed and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `driver-cert <args...>` with `env` (default: no colour, not on CI) and an optional signal. */
export async function cli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; signal?: AbortSignal; stdout?: Capture } = {},
): Promise<CliRun> {
  const stdout = options.stdout ?? new Capture();
  const stderr = new Capture();
  const code = await main(["node", "driver-cert", ...args], {
    stdout,
    stderr,
    env: options.env ?? {},
    signal: options.signal,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** The tiny fixture driver and the suites of the CI-run tests. */
export const VERDICT_SUITES = ["--suites-module", "tests/fixtures/suites/verdict-suites.ts"];
export const TINY_SUITES = ["--suites-module", "tests/fixtures/suites/tiny-suites.ts"];
export const DRIVERS = "tests/fixtures/drivers";

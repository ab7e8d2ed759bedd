/**
 * The one-line command that reruns exactly one test of a run: the same driver module, suite
 * module, timeout and seed (when the run has one), and `--id` with the test's exact id,
 * shell-quoted for POSIX shells.
 */
import { shellQuote } from "../selection.ts";

/** The run options a rerun repeats. */
export interface RerunSource {
  driverModule?: string;
  suitesModule?: string;
  timeoutMs?: number;
  /** The run's seed of generated inputs, replayed with `--seed`. */
  seed?: number;
}

/** `driver-cert run [module] [--suites-module m] [--timeout ms] [--seed n] --id '<id>'`. */
export function rerunCommand(id: string, source: RerunSource): string {
  const args = ["driver-cert", "run"];
  if (source.driverModule) args.push(shellQuote(source.driverModule));
  if (source.suitesModule) args.push("--suites-module", shellQuote(source.suitesModule));
  if (source.timeoutMs) args.push("--timeout", String(source.timeoutMs));
  if (source.seed !== undefined) args.push("--seed", String(source.seed));
  args.push("--id", shellQuote(id));
  return args.join(" ");
}

/**
 * The `driver-cert` command line: parses argv (commander) and calls runCertification(). It
 * prints known start failures as one line with a hint and harness crashes with their stack, and
 * returns the exit code; `main()` never exits the process itself, `runCli()` (the installed
 * command) does, once output is flushed.
 */
import type { Writable } from "node:stream";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { type CertificationOptions, exitCodeFor, runCertification } from "../harness/certify.ts";
import { formatStartError } from "../harness/errors.ts";
import type { Shard } from "../harness/matrix.ts";
import { CLIENT_TYPES, DEFAULT_TEST_TIMEOUT_MS, ENCODINGS, TRANSPORTS } from "../harness/matrix.ts";
import { TOOL_VERSION } from "../harness/package-info.ts";
import { REPORTER_NAMES, type ReporterSpec } from "../harness/reporters/registry.ts";
import { mergeCommand } from "../harness/run/merge-command.ts";
import { isSeed } from "../harness/seed.ts";

/** Where the CLI writes; tests pass their own streams. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  /** Aborted on Ctrl-C: the run stops, writes a partial report and exits 130. */
  signal?: AbortSignal;
  /** Environment (colour, GitHub Actions); default process.env. */
  env?: NodeJS.ProcessEnv;
}

function list(value: string, previous: string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(",")
      .map((v) => v.trim())
      .filter(Boolean),
  ];
}

function reporters(value: string, previous: ReporterSpec[] = []): ReporterSpec[] {
  const specs = list(value);
  for (const spec of specs) {
    if (!(REPORTER_NAMES as string[]).includes(spec.replace(/:-$/, ""))) {
      throw new InvalidArgumentError(
        `choose from ${REPORTER_NAMES.join(", ")}; add :- for stdout (json:-)`,
      );
    }
  }
  return [...previous, ...(specs as ReporterSpec[])];
}

function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function milliseconds(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError("expected a positive whole number of ms");
  return n;
}

function seedValue(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !isSeed(n))
    throw new InvalidArgumentError("expected a whole number from 0 to 4294967295");
  return n;
}

function count(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new InvalidArgumentError("expected a positive whole number");
  return n;
}

function shard(value: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const index = Number(match?.[1]);
  const total = Number(match?.[2]);
  if (!match || index < 1 || total < 1 || index > total) {
    throw new InvalidArgumentError("expected i/n with 1 <= i <= n, e.g. 2/3");
  }
  return { index, count: total };
}

function addRunOptions(command: Command): Command {
  return command
    .argument("[module]", "driver module (.js or .ts); default: the memory reference driver")
    .option("--suite <names>", "run only these suites (comma-separated, repeatable)", list)
    .option(
      "--grep <regex>",
      `run only tests whose "<id> <title> <clause>" matches this case-insensitive regular expression ([ ] ( ) . * + ? are regex syntax: use --id for an exact id)`,
    )
    .option("--id <id>", "run only the test with this exact id (repeatable)", repeatable)
    .option(
      "--clause <ids>",
      "run only tests of these exact clauses (comma-separated, repeatable; CONN-1 is not CONN-10)",
      list,
    )
    .addOption(new Option("--client <type>", "only this client type").choices(CLIENT_TYPES))
    .addOption(new Option("--transport <transport>", "only this transport").choices(TRANSPORTS))
    .addOption(new Option("--encoding <encoding>", "only this encoding").choices(ENCODINGS))
    .option(
      "--shard <i/n>",
      "run the i-th of n deterministic slices (merge them with `merge`)",
      shard,
    )
    .option(
      "--reporter <names>",
      `reports to write: ${REPORTER_NAMES.join(", ")} (default: all, as files in --out); name:- writes one to stdout, e.g. json:-`,
      reporters,
    )
    .option("--out <dir>", "directory for report files (not -: use --reporter json:-)", "reports")
    .option("--bail", "stop after the first failing test")
    .option("--repeat <n>", "run each selected test n times; differing outcomes are flaky", count)
    .option("--workers <n>", "worker processes (default: cores, at most 8)", count)
    .option(
      "--expectations <file>",
      "known failures (JSON): listed tests that fail are expected-fail and do not fail the gate",
    )
    .option("--write-expectations <file>", "write this run's failures as an expectations file")
    .option(
      "--timeout <ms>",
      `per-test budget for tests that set none (default ${DEFAULT_TEST_TIMEOUT_MS})`,
      milliseconds,
    )
    .option(
      "--seed <n>",
      "seed of the generated inputs (0..4294967295); replays a run exactly (default: random)",
      seedValue,
    )
    .option(
      "--suites-module <path>",
      "module exporting the suite list (advanced; default: the built-in suites)",
    );
}

interface RunFlags {
  suite?: string[];
  grep?: string;
  id?: string[];
  clause?: string[];
  shard?: Shard;
  repeat?: number;
  workers?: number;
  expectations?: string;
  writeExpectations?: string;
  json?: boolean;
  client?: CertificationOptions["client"];
  transport?: CertificationOptions["transport"];
  encoding?: CertificationOptions["encoding"];
  reporter?: ReporterSpec[];
  out: string;
  bail?: boolean;
  timeout?: number;
  seed?: number;
  list?: boolean;
  suitesModule?: string;
}

function toOptions(module: string | undefined, flags: RunFlags, io: CliIo): CertificationOptions {
  return {
    driverModule: module,
    suitesModule: flags.suitesModule,
    suites: flags.suite,
    grep: flags.grep,
    ids: flags.id,
    clauses: flags.clause,
    shard: flags.shard,
    repeat: flags.repeat,
    workers: flags.workers,
    expectations: flags.expectations,
    writeExpectations: flags.writeExpectations,
    client: flags.client,
    transport: flags.transport,
    encoding: flags.encoding,
    reporters: flags.reporter,
    outDir: flags.out,
    bail: flags.bail,
    timeoutMs: flags.timeout,
    seed: flags.seed,
    list: flags.list,
    listJson: flags.json,
    stdout: io.stdout,
    stderr: io.stderr,
    signal: io.signal,
    env: io.env,
  };
}

/**
 * Runs the CLI on `argv` (as in process.argv: node, script, then arguments) and resolves the
 * exit code, the report's verdict: 0 pass (certified, or only warnings), 1 a required test
 * failed, 2 the driver could not be loaded or started, an option was bad, the filters selected
 * no test, or the harness broke; 130 interrupted (Ctrl-C).
 */
export async function main(
  argv: readonly string[],
  io: CliIo = { stdout: process.stdout, stderr: process.stderr },
) {
  let outcome: unknown;
  const execute = async (options: CertificationOptions) => {
    try {
      outcome = await runCertification(options);
    } catch (error) {
      outcome = error;
      io.stderr.write(formatStartError(error));
    }
  };
  const program = new Command("driver-cert")
    .description("Certifies drivers of the actor framework against docs/CONTRACT.md.")
    .version(TOOL_VERSION)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });
  addRunOptions(program.command("run"))
    .description("certify a driver module: run every suite in every matrix cell and write reports")
    .option("--list", "print what would run, and why anything is skipped, then exit")
    .action((module: string | undefined, flags: RunFlags) => execute(toOptions(module, flags, io)));
  addRunOptions(program.command("list"))
    .description("print what `run` would run, and why anything is skipped (same as run --list)")
    .option("--json", "print the plan as JSON")
    .action((module: string | undefined, flags: RunFlags) =>
      execute({ ...toOptions(module, flags, io), list: true }),
    );
  program
    .command("merge")
    .description("combine the report.json of every --shard i/n into one report and one verdict")
    .argument("<reports...>", "report.json files, one per shard")
    .option("--out <dir>", "directory for the merged report files", "reports")
    .option("--reporter <names>", "reports to write (as for run)", reporters)
    .action(async (files: string[], flags: { out: string; reporter?: ReporterSpec[] }) => {
      try {
        outcome = await mergeCommand(files, {
          outDir: flags.out,
          reporters: flags.reporter,
          ...io,
        });
      } catch (error) {
        outcome = error;
        io.stderr.write(formatStartError(error));
      }
    });
  program
    .command("serve")
    .description(
      "serve a driver with the fixture registry on a loopback port, to try requests by hand",
    )
    .argument("[module]", "driver module (.js or .ts); default: the memory reference driver")
    .option("--port <n>", "port on 127.0.0.1 (default: any free port)", count)
    .action(async (module: string | undefined, flags: { port?: number }) => {
      try {
        const { serveDriverCommand } = await import("../harness/serve.ts");
        outcome = await serveDriverCommand({ driverModule: module, port: flags.port, ...io });
      } catch (error) {
        outcome = error;
        io.stderr.write(formatStartError(error));
      }
    });
  program
    .command("bench")
    .description(
      "measure a driver against the memory reference driver, in interleaved rounds; print ratios and write bench.json and bench.md",
    )
    .argument("<module>", "driver module (.js or .ts)")
    .option("--out <dir>", "directory for bench.json and bench.md", "reports")
    .option("--quick", "small sizes: a smoke run of every workload, not figures to quote")
    .option("--rounds <n>", "interleaved rounds per workload (default 5; --quick 2)", count)
    .option(
      "--budget <file>",
      "limits on ratios (JSON, see docs/bench.md): a missed limit exits 1, naming it",
    )
    .option("--workload <ids>", "run only these workloads (comma-separated, repeatable)", list)
    .action(
      async (
        module: string,
        flags: {
          out: string;
          quick?: boolean;
          rounds?: number;
          budget?: string;
          workload?: string[];
        },
      ) => {
        try {
          const { benchCommand } = await import("../harness/bench/command.ts");
          outcome = await benchCommand({
            driverModule: module,
            outDir: flags.out,
            quick: flags.quick,
            rounds: flags.rounds,
            budget: flags.budget,
            workloads: flags.workload,
            ...io,
          });
        } catch (error) {
          outcome = error;
          io.stderr.write(formatStartError(error));
        }
      },
    );
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    io.stderr.write(formatStartError(error));
    return 2;
  }
  if (outcome === undefined) return 0;
  if (typeof outcome === "number") return outcome;
  return exitCodeFor(outcome);
}

/** True for the errors of writing to a pipe whose reader has gone (`driver-cert list | head`). */
function isClosedPipe(error: NodeJS.ErrnoException): boolean {
  return error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED";
}

/**
 * Makes a closed stdout or stderr end output quietly: the EPIPE is swallowed and the stream,
 * now destroyed, drops what is written after it. Any other stream error is rethrown.
 */
export function ignoreClosedPipes(streams: readonly Writable[]): void {
  for (const stream of streams) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (!isClosedPipe(error)) throw error;
    });
  }
}

function flushed(stream: Writable): Promise<void> {
  if (stream.destroyed || stream.writableEnded) return Promise.resolve();
  return new Promise((resolve) => stream.write("", () => resolve()));
}

/**
 * The installed command: runs main() on process.argv with the process's streams (a closed pipe
 * ends output quietly), then exits with main's code once stdout and stderr are flushed, even if
 * a driver left something running (a start that hung past its deadline).
 */
export async function runCli(argv: readonly string[] = process.argv): Promise<never> {
  ignoreClosedPipes([process.stdout, process.stderr]);
  // Ctrl-C: the first stops the run (partial report, temp dirs removed, exit 130), a second
  // exits at once.
  const interrupt = new AbortController();
  process.on("SIGINT", () => {
    if (interrupt.signal.aborted) process.exit(130);
    process.stderr.write("\ndriver-cert: interrupted, finishing up (Ctrl-C again to quit now)\n");
    interrupt.abort();
  });
  const code = await main(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    signal: interrupt.signal,
  });
  process.exitCode = code;
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

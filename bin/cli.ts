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
import { CLIENT_TYPES, DEFAULT_TEST_TIMEOUT_MS, ENCODINGS, TRANSPORTS } from "../harness/matrix.ts";
import { TOOL_VERSION } from "../harness/package-info.ts";
import { REPORTER_NAMES, type ReporterName } from "../harness/reporters/registry.ts";
import { isSeed } from "../harness/seed.ts";

/** Where the CLI writes; tests pass their own streams. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
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

function reporters(value: string, previous: ReporterName[] = []): ReporterName[] {
  const names = list(value);
  for (const name of names) {
    if (!(REPORTER_NAMES as string[]).includes(name)) {
      throw new InvalidArgumentError(`choose from ${REPORTER_NAMES.join(", ")}`);
    }
  }
  return [...previous, ...(names as ReporterName[])];
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

function addRunOptions(command: Command): Command {
  return command
    .argument("[module]", "driver module (.js or .ts); default: the memory reference driver")
    .option("--suite <names>", "run only these suites (comma-separated, repeatable)", list)
    .option(
      "--grep <pattern>",
      "run only tests whose id, title or clause matches (case-insensitive regex)",
    )
    .addOption(new Option("--client <type>", "only this client type").choices(CLIENT_TYPES))
    .addOption(new Option("--transport <transport>", "only this transport").choices(TRANSPORTS))
    .addOption(new Option("--encoding <encoding>", "only this encoding").choices(ENCODINGS))
    .option(
      "--reporter <names>",
      `report files to write: ${REPORTER_NAMES.join(", ")} (default: all)`,
      reporters,
    )
    .option("--out <dir>", "directory for report files", "reports")
    .option("--bail", "stop after the first failing test")
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
  client?: CertificationOptions["client"];
  transport?: CertificationOptions["transport"];
  encoding?: CertificationOptions["encoding"];
  reporter?: ReporterName[];
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
    client: flags.client,
    transport: flags.transport,
    encoding: flags.encoding,
    reporters: flags.reporter,
    outDir: flags.out,
    bail: flags.bail,
    timeoutMs: flags.timeout,
    seed: flags.seed,
    list: flags.list,
    stdout: io.stdout,
    stderr: io.stderr,
  };
}

/**
 * Runs the CLI on `argv` (as in process.argv: node, script, then arguments) and resolves the
 * exit code: 0 certified, 1 a required test failed, 2 the driver could not be loaded, an option
 * was bad, or the harness broke.
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
    .action((module: string | undefined, flags: RunFlags) =>
      execute({ ...toOptions(module, flags, io), list: true }),
    );
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    io.stderr.write(formatStartError(error));
    return 2;
  }
  if (outcome === undefined) return 0;
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
  const code = await main(argv);
  process.exitCode = code;
  await Promise.all([flushed(process.stdout), flushed(process.stderr)]);
  process.exit(code);
}

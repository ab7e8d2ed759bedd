/**
 * `npm run bench`: measures the toolkit against bare baselines in one run, on loopback, and
 * prints a table of figures, ratios and targets. Flags: `--quick` (small sizes, a smoke run),
 * `--strict` (exit 1 when a target is missed), `--profile[=dir]` (CPU profiles of the measured
 * steps only, default dir reports/profiles; read them with `node --import tsx
 * bench/profile-summary.ts <file>`; profiling slows what it measures). Exits 1 when a path
 * fails to open or run.
 */
import { cpus, loadavg } from "node:os";
import { type BenchRow, formatTable, missedRows } from "../harness/bench/table.ts";
import { type RunningToolkit, startToolkit } from "../harness/bench/toolkit.ts";
import type { DriverDefinition } from "../runtime/driver/define-driver.ts";
import {
  actionPhase,
  type BenchSettings,
  broadcastPhase,
  durablePhase,
  type PhaseRunner,
} from "./phases.ts";
import { type ProfileTarget, withCpuProfile } from "./profiler.ts";

const FULL: BenchSettings = {
  sequential: 2_000,
  durableSequential: 1_000,
  concurrency: 50,
  durationMs: 2_000,
  rounds: 8,
  budgets: { actions: 38_000, broadcast: 20_000, durable: 32_000 },
  connections: 1_000,
  broadcastRounds: 7,
};
const QUICK: BenchSettings = {
  sequential: 300,
  durableSequential: 200,
  concurrency: 50,
  durationMs: 400,
  rounds: 2,
  budgets: { actions: 8_000, broadcast: 6_000, durable: 6_000 },
  connections: 200,
  broadcastRounds: 3,
};
/** Wall time the phases may use in all; a phase gets its plan or what is left, if less. */
const RUN_BUDGET_MS = 92_000;
/** A phase left with less than this is skipped (and reported) rather than run starved. */
const MIN_PHASE_MS = 3_000;
/** Past this the run is reported hung and stopped, inside the 2-minute limit. */
const RUN_DEADLINE_MS = 117_000;

const LEGEND = (connections: number) => [
  "ratio = toolkit figure / baseline figure, measured in the same run in interleaved rounds.",
  "CPU per sequential call = process CPU time (user + system; client and server share the",
  "process) per sequential call: less swayed by other load than wall time, though not immune",
  "(on a shared VM, cache misses and stolen time are charged too).",
  "Baselines:",
  "  hono      bare @hono/node-server handler: POST JSON {args:[x]} -> {output:x}, called with the",
  "            global fetch (undici). Also the SSE baseline: each action on an SSE connection is",
  "            one HTTP POST (its reply arrives on the stream).",
  "  ws echo   bare ws echo server; the client sends action-shaped cbor messages on one socket",
  "            and matches replies by id. For the many-WebSockets row, as many sockets as",
  "            connections, each with one call in flight.",
  "  ws bcast  bare ws server that, on a trigger message, encodes one cbor event once and sends it",
  `            to ${connections} sockets; timed to the last socket's decode.`,
  "  memory    the same action on the memory driver.",
  "Toolkit paths go through the public manager router with the public client (cbor unless",
  "marked). The broadcast is triggered by an action on a separate connection and timed to the",
  "last listener call.",
  "Durability rule of the file-system driver (PERSIST-2, PERSIST-3): an action that changes",
  "state replies only after the new state is on disk (temp file written and fsynced, renamed",
  "over the actor file, directory fsynced). The memory driver keeps state in a Map.",
];

let current = "starting";
const failures: string[] = [];
const skipped: string[] = [];
const started = performance.now();

const profileArg = process.argv.slice(2).find((arg) => arg.startsWith("--profile"));
const profileTarget: ProfileTarget | undefined = profileArg
  ? {
      dir: profileArg.includes("=")
        ? profileArg.slice(profileArg.indexOf("=") + 1)
        : "reports/profiles",
    }
  : undefined;

/** Logs progress on stderr; a failure is recorded (and printed at the end), not thrown. */
const runner: PhaseRunner = {
  async step(what, run, measured) {
    current = what;
    const start = performance.now();
    process.stderr.write(`bench: ${what} ... `);
    try {
      const { value, file } = await withCpuProfile(measured ? profileTarget : undefined, what, run);
      const profiled = file ? ` (profile: ${file})` : "";
      process.stderr.write(`${((performance.now() - start) / 1000).toFixed(1)} s${profiled}\n`);
      return value;
    } catch (error) {
      process.stderr.write("failed\n");
      failures.push(`${what}: ${error instanceof Error ? (error.stack ?? error.message) : error}`);
      return undefined;
    }
  },
  budget(phase, plannedMs) {
    const left = RUN_BUDGET_MS - (performance.now() - started);
    if (left < MIN_PHASE_MS) {
      skipped.push(`${phase} (the run's ${RUN_BUDGET_MS / 1000} s budget was spent)`);
      return undefined;
    }
    return Math.min(plannedMs, left);
  },
};

async function startDriver(path: string): Promise<RunningToolkit | undefined> {
  return runner.step(`starting ${path}`, async () => {
    const module = (await import(path)) as { default: DriverDefinition };
    return startToolkit(module.default);
  });
}

const USAGE = "usage: npm run bench -- [--quick] [--strict] [--profile[=dir]]";

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  const unknown = [...args].filter(
    (arg) => arg !== "--quick" && arg !== "--strict" && !/^--profile(=.+)?$/.test(arg),
  );
  if (unknown.length > 0) {
    console.error(`bench: unknown option ${unknown.join(" ")}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const quick = args.has("--quick");
  const settings = quick ? QUICK : FULL;
  const hung = setTimeout(() => {
    console.error(`bench: still running after ${RUN_DEADLINE_MS / 1000} s, during: ${current}`);
    process.exit(1);
  }, RUN_DEADLINE_MS);
  hung.unref();

  const cpu = cpus();
  const load = loadavg()[0].toFixed(1);
  console.log(
    `driver-cert bench${quick ? " (--quick)" : ""}: node ${process.version}, ${cpu.length} x ` +
      `${cpu[0]?.model ?? "cpu"} (load ${load}), loopback, client and server in one process`,
  );
  if (profileTarget) {
    console.log(`Profiling the measured steps into ${profileTarget.dir}: figures are slowed.`);
  }
  const rows: BenchRow[] = [];
  const memory = await startDriver("../reference-drivers/memory/index.ts");
  if (memory) {
    try {
      rows.push(...(await actionPhase(runner, memory, settings)));
      rows.push(...(await broadcastPhase(runner, memory, settings)));
      const fileSystem = await startDriver("../reference-drivers/file-system/index.ts");
      if (fileSystem) {
        try {
          rows.push(...(await durablePhase(runner, memory, fileSystem, settings)));
        } finally {
          await fileSystem.close();
        }
      }
    } finally {
      await memory.close();
    }
  }
  clearTimeout(hung);

  console.log("");
  console.log(formatTable(rows));
  console.log("");
  for (const line of LEGEND(settings.connections)) console.log(line);
  const missed = missedRows(rows);
  if (missed.length > 0) {
    console.log(
      `Targets missed: ${missed.map((row) => `${row.scenario} ${row.figure}`).join("; ")}.`,
    );
  }
  if (skipped.length > 0) console.log(`Skipped: ${skipped.join("; ")}.`);
  for (const failure of failures) console.error(`bench: FAILED ${failure}`);
  console.log(
    `Total ${((performance.now() - started) / 1000).toFixed(1)} s (load ${loadavg()[0].toFixed(1)}).`,
  );

  if (failures.length > 0 || (args.has("--strict") && missed.length > 0)) process.exitCode = 1;
  // Everything was closed; if something still holds the loop open, say what instead of hanging.
  setTimeout(() => {
    console.error("bench: open handles keep the process alive:", process.getActiveResourcesInfo());
    process.exit(1);
  }, 5_000).unref();
}

await main();

/**
 * The three phases of `npm run bench`, each opening its paths, measuring them interleaved and
 * returning printable rows: actions on the memory driver against the bare baselines, one
 * broadcast to many connections against a bare `ws` broadcast, and the file-system driver
 * against the memory driver on a state-changing action.
 */
import { openBroadcast } from "../harness/bench/broadcast.ts";
import {
  interleavedMedians,
  measureInterleaved,
  type PathFigures,
} from "../harness/bench/measure.ts";
import { type OpenPath, openConnectionPath, openHttpActionPath } from "../harness/bench/paths.ts";
import type { BenchRow } from "../harness/bench/table.ts";
import type { RunningToolkit } from "../harness/bench/toolkit.ts";
import { startWsBroadcastBaseline } from "./baselines.ts";
import { openConnectionLanesPath, openHonoPath, openWsEchoPath } from "./scenarios.ts";

/** Sizes of a run. */
export interface BenchSettings {
  /** Sequential calls per latency figure (the issue asks for 2,000). */
  sequential: number;
  /** Sequential calls per latency figure of the durable comparison (each write is fsynced). */
  durableSequential: number;
  /** Callers (HTTP) or calls in flight (connections) for throughput (the issue asks for 50). */
  concurrency: number;
  /** Timed throughput window per path, in ms, spread over the rounds. */
  durationMs: number;
  /** Interleaved rounds per phase. */
  rounds: number;
  /** Wall-time budget of each phase in ms (capped by what is left of the run's budget). */
  budgets: { actions: number; broadcast: number; durable: number };
  /** Connections receiving each broadcast (the issue asks for 1,000). */
  connections: number;
  /** Timed broadcast rounds; the median is reported. */
  broadcastRounds: number;
}

/** Reports progress, records failures and keeps the run's time budget. */
export interface PhaseRunner {
  /**
   * Runs one named piece of work; a failure is recorded and resolves `undefined`. With
   * `measured`, the step is the timed part of a phase (the one `--profile` profiles).
   */
  step<T>(what: string, run: () => Promise<T>, measured?: "measured"): Promise<T | undefined>;
  /**
   * The wall time a phase planned at `plannedMs` may take: the plan, capped by what is left of
   * the run's budget. `undefined` (and the phase is reported skipped) when too little is left.
   */
  budget(phase: string, plannedMs: number): number | undefined;
}

/** The baseline label printed beside each figure; the legend explains each. */
export const LABELS = { hono: "hono", echo: "ws echo", broadcast: "ws bcast", memory: "memory" };

/**
 * Phase 1: stateless action over HTTP (cbor and json), action over a WebSocket and over SSE
 * connection (cbor) on the memory driver, interleaved with the bare hono handler and `ws` echo;
 * and `settings.concurrency` WebSocket connections each calling in sequence, against as many
 * bare echo sockets. Targets: HTTP throughput >= 0.4x hono, WebSocket throughput >= 0.5x ws echo
 * (one connection), >= 0.8x (one call in flight per connection), CPU per sequential call over
 * a WebSocket <= 2x the echo's.
 */
export async function actionPhase(
  runner: PhaseRunner,
  memory: RunningToolkit,
  settings: BenchSettings,
): Promise<BenchRow[]> {
  const budgetMs = runner.budget("actions", settings.budgets.actions);
  if (budgetMs === undefined) return [];
  const opened = await openAll(runner, [
    ["hono", () => openHonoPath("hono")],
    ["ws echo", () => openWsEchoPath("ws echo", "cbor")],
    ["http cbor", () => openHttpActionPath("http cbor", memory, "cbor", "ping")],
    ["http json", () => openHttpActionPath("http json", memory, "json", "ping")],
    ["ws cbor", () => openConnectionPath("ws cbor", memory, "cbor", "websocket", "ping")],
    ["sse cbor", () => openConnectionPath("sse cbor", memory, "cbor", "sse", "ping")],
    ["ws echo lanes", () => openWsEchoPath("ws echo lanes", "cbor", settings.concurrency)],
    [
      "ws cbor lanes",
      () => openConnectionLanesPath("ws cbor lanes", memory, "cbor", settings.concurrency),
    ],
  ]);
  try {
    const figures = await runner.step(
      `measuring ${opened.length} action paths interleaved`,
      () => measureInterleaved(opened, interleave(settings, settings.sequential, budgetMs)),
      "measured",
    );
    if (!figures) return [];
    const callers = `throughput (${settings.concurrency} callers)`;
    const inFlight = `throughput (${settings.concurrency} in flight)`;
    const hono = { label: LABELS.hono, figures: figures.get("hono") };
    const echo = { label: LABELS.echo, figures: figures.get("ws echo") };
    const lanes = figures.get("ws cbor lanes")?.throughput.opsPerSecond;
    const echoLanes = figures.get("ws echo lanes")?.throughput.opsPerSecond;
    return [
      ...pathRows("HTTP action (cbor)", figures.get("http cbor"), hono, callers, 0.4),
      ...pathRows("HTTP action (json)", figures.get("http json"), hono, callers, 0.4),
      ...pathRows("action over WebSocket (cbor)", figures.get("ws cbor"), echo, inFlight, 0.5, 2),
      ...(lanes === undefined
        ? []
        : [
            {
              scenario: `action over ${settings.concurrency} WebSockets (cbor)`,
              figure: "throughput (1 in flight each)",
              unit: "ops/s" as const,
              value: lanes,
              baseline:
                echoLanes === undefined ? undefined : { label: LABELS.echo, value: echoLanes },
              target: { min: 0.8 },
            },
          ]),
      ...pathRows("action over SSE (cbor)", figures.get("sse cbor"), hono, inFlight),
    ];
  } finally {
    await Promise.allSettled(opened.map((path) => path.close()));
  }
}

/**
 * Phase 2: one broadcast reaching `settings.connections` WebSocket connections on the memory
 * driver, rounds alternating with a bare `ws` broadcast to as many sockets. Target: <= 3x.
 */
export async function broadcastPhase(
  runner: PhaseRunner,
  memory: RunningToolkit,
  settings: BenchSettings,
): Promise<BenchRow[]> {
  const budgetMs = runner.budget("broadcast", settings.budgets.broadcast);
  if (budgetMs === undefined) return [];
  const end = performance.now() + budgetMs;
  const count = settings.connections;
  // Opening takes most of the phase; the rounds get what is left (at least one runs).
  const bare = await runner.step(`opening ${count} bare ws sockets`, () =>
    startWsBroadcastBaseline(count, "cbor", budgetMs * 0.3),
  );
  const toolkit = await runner.step(`opening ${count} toolkit connections`, () =>
    openBroadcast(memory, "cbor", count, Math.max(1_000, end - performance.now() - budgetMs * 0.2)),
  );
  try {
    if (!bare || !toolkit) return [];
    const result = await runner.step(
      `up to ${settings.broadcastRounds} broadcast rounds each`,
      () =>
        interleavedMedians(settings.broadcastRounds, end - performance.now(), [
          (round) => bare.broadcastOnce(round),
          (round) => toolkit.broadcastOnce(round),
        ]),
      "measured",
    );
    if (!result) return [];
    return [
      {
        scenario: `broadcast to ${count} conns (cbor)`,
        figure: `last arrival, median of ${result.rounds}`,
        unit: "ms",
        value: result.medians[1],
        baseline: { label: LABELS.broadcast, value: result.medians[0] },
        target: { max: 3 },
      },
    ];
  } finally {
    await Promise.allSettled([bare?.close(), toolkit?.close()]);
  }
}

/**
 * Phase 3: `increment(1)` (a state write) over HTTP and over a WebSocket connection on the
 * file-system driver, interleaved with the same on the memory driver. No target: the ratio is
 * the price of the durability rule printed beside it.
 */
export async function durablePhase(
  runner: PhaseRunner,
  memory: RunningToolkit,
  fileSystem: RunningToolkit,
  settings: BenchSettings,
): Promise<BenchRow[]> {
  const budgetMs = runner.budget("durable", settings.budgets.durable);
  if (budgetMs === undefined) return [];
  const opened = await openAll(runner, [
    ["memory http", () => openHttpActionPath("memory http", memory, "cbor", "increment")],
    ["fs http", () => openHttpActionPath("fs http", fileSystem, "cbor", "increment")],
    ["memory ws", () => openConnectionPath("memory ws", memory, "cbor", "websocket", "increment")],
    ["fs ws", () => openConnectionPath("fs ws", fileSystem, "cbor", "websocket", "increment")],
  ]);
  try {
    const figures = await runner.step(
      `measuring ${opened.length} increment paths interleaved`,
      () => measureInterleaved(opened, interleave(settings, settings.durableSequential, budgetMs)),
      "measured",
    );
    if (!figures) return [];
    const callers = `throughput (${settings.concurrency} callers)`;
    const inFlight = `throughput (${settings.concurrency} in flight)`;
    const rows = [
      ...pathRows(
        "file-system: HTTP increment",
        figures.get("fs http"),
        {
          label: LABELS.memory,
          figures: figures.get("memory http"),
        },
        callers,
      ),
      ...pathRows(
        "file-system: WS increment",
        figures.get("fs ws"),
        {
          label: LABELS.memory,
          figures: figures.get("memory ws"),
        },
        inFlight,
      ),
    ];
    return rows.filter((row) => !row.figure.startsWith("p50"));
  } finally {
    await Promise.allSettled(opened.map((path) => path.close()));
  }
}

/** Opens each path in turn; one that fails to open is recorded by the runner and left out. */
async function openAll(
  runner: PhaseRunner,
  openers: [string, () => Promise<OpenPath>][],
): Promise<OpenPath[]> {
  const opened: OpenPath[] = [];
  for (const [what, open] of openers) {
    const path = await runner.step(`opening ${what}`, open);
    if (path) opened.push(path);
  }
  return opened;
}

/** Interleave options of a phase. */
function interleave(settings: BenchSettings, sequential: number, budgetMs: number) {
  return {
    sequential,
    concurrency: settings.concurrency,
    durationMs: settings.durationMs,
    rounds: settings.rounds,
    budgetMs,
  };
}

/** p50, p99, CPU per call and throughput rows of a path against a baseline path. */
function pathRows(
  scenario: string,
  figures: PathFigures | undefined,
  baseline: { label: string; figures: PathFigures | undefined },
  throughputFigure: string,
  minThroughputRatio?: number,
  maxCpuRatio?: number,
): BenchRow[] {
  if (!figures) return [];
  const base = baseline.figures;
  const against = (value: number | undefined) =>
    value === undefined ? undefined : { label: baseline.label, value };
  const sequential = `(${figures.latency.count} sequential)`;
  return [
    {
      scenario,
      figure: `p50 ${sequential}`,
      unit: "ms",
      value: figures.latency.p50,
      baseline: against(base?.latency.p50),
    },
    {
      scenario,
      figure: `p99 ${sequential}`,
      unit: "ms",
      value: figures.latency.p99,
      baseline: against(base?.latency.p99),
    },
    {
      scenario,
      figure: "CPU per sequential call",
      unit: "µs",
      value: figures.latency.cpuUs,
      baseline: against(base?.latency.cpuUs),
      target: maxCpuRatio === undefined ? undefined : { max: maxCpuRatio },
    },
    {
      scenario,
      figure: throughputFigure,
      unit: "ops/s",
      value: figures.throughput.opsPerSecond,
      baseline: against(base?.throughput.opsPerSecond),
      target: minThroughputRatio === undefined ? undefined : { min: minThroughputRatio },
    },
  ];
}

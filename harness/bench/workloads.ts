/**
 * The workloads of `driver-cert bench`: each opens the same path on the driver under test and
 * on the memory reference driver, measures both interleaved in rounds (measure.ts), closes them
 * and returns rows whose ratio is driver / memory. Catalogue and row ids: catalogue.ts.
 */
import type { DriverDefinition } from "../../runtime/driver/index.ts";
import { openBroadcast } from "./broadcast.ts";
import type { WorkloadSpec } from "./catalogue.ts";
import { inBatches, interleavedMedians, measureInterleaved, type PathFigures } from "./measure.ts";
import {
  type ManagerOperation,
  type OpenPath,
  openConnectionPath,
  openHttpActionPath,
  openManagerPath,
  openRawHttpPath,
  openRawWebSocketPath,
} from "./paths.ts";
import type { BenchRow } from "./table.ts";
import { type RunningToolkit, startToolkit } from "./toolkit.ts";

/** Sizes of a `driver-cert bench` run. */
export interface DriverBenchSettings {
  /** Sequential calls timed per path (p50, p99, CPU per call), spread over the rounds. */
  sequential: number;
  /** Callers (HTTP, manager) or calls in flight on one connection, for throughput. */
  concurrency: number;
  /** Timed throughput window per path, in ms, spread over the rounds. */
  durationMs: number;
  /** Interleaved rounds per workload (broadcast and restart rounds too). */
  rounds: number;
  /** Wall time the measuring of one workload may take, in ms (opening not included). */
  measureMs: number;
  /** Wall time one workload may take in all, opening and closing included, in ms. */
  boundMs: number;
  /** Connections receiving each broadcast. */
  connections: number;
  /** Actors stored before timing `restart()`. */
  restartActors: number;
  /** Existing actors the getOrCreate and getForId rates cycle through. */
  managerPool: number;
}

/** A row of `driver-cert bench`: a table row with its id. */
export interface DriverBenchRow extends BenchRow {
  /** `<workload>/<figure>`. */
  id: string;
  workload: string;
}

/** What a workload runs with. */
export interface WorkloadContext {
  /** The driver under test, started and served. */
  driver: RunningToolkit;
  /** The memory reference driver, started and served: the baseline. */
  memory: RunningToolkit;
  /** The driver under test's definition, for workloads that start it again on their own. */
  definition: DriverDefinition;
  settings: DriverBenchSettings;
  /** Reports what the workload is doing now (a progress line). */
  progress(what: string): void;
  /** Registers a disposer run when the workload ends, or when it overran its bound. */
  defer(dispose: () => Promise<unknown>): void;
}

/** The baseline label of every ratio. */
export const MEMORY_LABEL = "memory";

type Opener = (toolkit: RunningToolkit, name: string) => Promise<OpenPath>;

const OPENERS: Record<string, Opener> = {
  "http-action": (t, name) => openHttpActionPath(name, t, "cbor", "ping"),
  "ws-action": (t, name) => openConnectionPath(name, t, "cbor", "websocket", "ping"),
  "sse-action": (t, name) => openConnectionPath(name, t, "cbor", "sse", "ping"),
  "raw-http": (t, name) => openRawHttpPath(name, t),
  "raw-websocket": (t, name) => openRawWebSocketPath(name, t),
  "write-action": (t, name) => openHttpActionPath(name, t, "cbor", "increment"),
};

const MANAGER_OPERATIONS: Record<string, ManagerOperation> = {
  create: "create",
  "get-or-create": "getOrCreate",
  "get-for-id": "getForId",
};

/** Runs one workload of the catalogue; resolves its rows. Throws when a path fails. */
export async function runWorkload(
  spec: WorkloadSpec,
  ctx: WorkloadContext,
): Promise<DriverBenchRow[]> {
  const opener = OPENERS[spec.id];
  if (opener)
    return measurePair(spec, ctx, opener, isConnection(spec.id) ? "in flight" : "callers");
  const operation = MANAGER_OPERATIONS[spec.id];
  if (operation) {
    const pool = ctx.settings.managerPool;
    return measurePair(
      spec,
      ctx,
      (t, name) => openManagerPath(name, t.instance.manager, operation, pool),
      "callers",
    );
  }
  if (spec.id === "broadcast") return broadcastWorkload(spec, ctx);
  if (spec.id === "restart") return restartWorkload(spec, ctx);
  // The distributed rows (distributed.ts) are run by the command, which knows both files.
  throw new TypeError(`no runner for workload ${spec.id}`);
}

function isConnection(id: string): boolean {
  return id === "ws-action" || id === "sse-action" || id === "raw-websocket";
}

/** Opens `open` on both drivers, measures them interleaved, and resolves the call rows. */
export async function measurePair(
  spec: WorkloadSpec,
  ctx: WorkloadContext,
  open: Opener,
  concurrencyWord: "callers" | "in flight",
  driverSide: { toolkit: RunningToolkit; label?: string } = { toolkit: ctx.driver },
): Promise<DriverBenchRow[]> {
  ctx.progress("opening the driver's path");
  const driverPath = await open(driverSide.toolkit, "driver");
  ctx.defer(() => driverPath.close());
  ctx.progress("opening the memory driver's path");
  const memoryPath = await open(ctx.memory, MEMORY_LABEL);
  ctx.defer(() => memoryPath.close());
  const { settings } = ctx;
  ctx.progress(`measuring both interleaved, ${settings.rounds} rounds`);
  const figures = await measureInterleaved([driverPath, memoryPath], {
    sequential: settings.sequential,
    concurrency: settings.concurrency,
    durationMs: settings.durationMs,
    rounds: settings.rounds,
    budgetMs: settings.measureMs,
    warmupCalls: Math.min(200, settings.sequential),
  });
  return callRows(
    spec,
    figures.get("driver")!,
    figures.get(MEMORY_LABEL)!,
    `throughput (${settings.concurrency} ${concurrencyWord})`,
  );
}

/** p50, p99, CPU per call and throughput rows of the driver against the memory driver. */
export function callRows(
  spec: WorkloadSpec,
  driver: PathFigures,
  memory: PathFigures,
  throughputFigure: string,
): DriverBenchRow[] {
  const row = (
    figure: string,
    label: string,
    unit: BenchRow["unit"],
    value: number,
    base: number,
  ) => ({
    id: `${spec.id}/${figure}`,
    workload: spec.id,
    scenario: spec.scenario,
    figure: label,
    unit,
    value,
    baseline: { label: MEMORY_LABEL, value: base },
  });
  const sequential = `(${driver.latency.count} sequential)`;
  return [
    row("p50", `p50 ${sequential}`, "ms", driver.latency.p50, memory.latency.p50),
    row("p99", `p99 ${sequential}`, "ms", driver.latency.p99, memory.latency.p99),
    row("cpu", "CPU per sequential call", "µs", driver.latency.cpuUs, memory.latency.cpuUs),
    row(
      "throughput",
      throughputFigure,
      "ops/s",
      driver.throughput.opsPerSecond,
      memory.throughput.opsPerSecond,
    ),
  ];
}

/**
 * `broadcast(round)` to `settings.connections` WebSocket connections on each driver, rounds
 * alternating; the median time to the last arrival and the median process CPU per round.
 */
async function broadcastWorkload(
  spec: WorkloadSpec,
  ctx: WorkloadContext,
): Promise<DriverBenchRow[]> {
  const { connections, rounds, boundMs } = ctx.settings;
  const openMs = boundMs / 3;
  ctx.progress(`opening ${connections} connections on the driver`);
  const driver = await openBroadcast(ctx.driver, "cbor", connections, openMs);
  ctx.defer(() => driver.close());
  ctx.progress(`opening ${connections} connections on the memory driver`);
  const memory = await openBroadcast(ctx.memory, "cbor", connections, openMs);
  ctx.defer(() => memory.close());
  ctx.progress(`up to ${rounds} broadcast rounds each`);
  const cpu = [[] as number[], [] as number[]];
  const timed = (index: number, target: typeof driver) => async (round: number) => {
    const start = process.cpuUsage();
    const ms = await target.broadcastOnce(round);
    const spent = process.cpuUsage(start);
    if (round >= 0) cpu[index].push(spent.user + spent.system);
    return ms;
  };
  const result = await interleavedMedians(rounds, ctx.settings.measureMs, [
    timed(0, driver),
    timed(1, memory),
  ]);
  const base = { workload: spec.id, scenario: `broadcast to ${connections} connections` };
  return [
    {
      ...base,
      id: `${spec.id}/last-arrival`,
      figure: `last arrival, median of ${result.rounds}`,
      unit: "ms",
      value: result.medians[0],
      baseline: { label: MEMORY_LABEL, value: result.medians[1] },
    },
    {
      ...base,
      id: `${spec.id}/cpu`,
      figure: "CPU per broadcast, median",
      unit: "µs",
      value: median(cpu[0]),
      baseline: { label: MEMORY_LABEL, value: median(cpu[1]) },
    },
  ];
}

/**
 * Durable drivers: a start of its own with `settings.restartActors` actors created (50 at a
 * time), then `restart()` timed `settings.rounds` times; the median. The memory driver is not
 * durable, so the row has no ratio. After the last restart one stored actor must still be found.
 */
async function restartWorkload(
  spec: WorkloadSpec,
  ctx: WorkloadContext,
): Promise<DriverBenchRow[]> {
  const { restartActors, rounds } = ctx.settings;
  ctx.progress("starting the driver again on a fresh data directory");
  const toolkit = await startToolkit(ctx.definition);
  ctx.defer(() => toolkit.close());
  ctx.progress(`creating ${restartActors} actors`);
  const created = await inBatches(restartActors, 50, (i) =>
    toolkit.instance.manager.createActor({ name: "bench", key: ["restart", String(i)] }),
  );
  const times: number[] = [];
  for (let round = 0; round < rounds; round++) {
    ctx.progress(`restart ${round + 1} of ${rounds}`);
    times.push(await toolkit.restart());
  }
  const probe = created[created.length - 1];
  const found = await toolkit.instance.manager.getForId({ actorId: probe.actorId });
  if (found?.actorId !== probe.actorId) {
    throw new Error(`after restart() the driver lost actor ${probe.actorId}`);
  }
  return [
    {
      id: `${spec.id}/restart`,
      workload: spec.id,
      scenario: `restart() with ${restartActors} actors stored`,
      figure: `time to resolve, median of ${rounds}`,
      unit: "ms",
      value: median(times),
    },
  ];
}

/** The median of `values` (the upper one of an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

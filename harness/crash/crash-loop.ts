/**
 * The crash suite's loop (clause PERSIST-7): start the driver in a host process, drive
 * acknowledged writes at it from five lanes at once, end it at a seeded moment (SIGKILL, or now
 * and then a graceful stop), start it again on the same data directory and namespace, and check
 * every acknowledged write, creation and due scheduled event against the model.
 *
 * Lanes: actions over HTTP on two actors (`http-1`, `http-2`: two, since one can hide a mix-up),
 * actions over a connection (WebSocket, or SSE for a driver without websocket), raw HTTP writes outside actions (`saved`, answered after an
 * immediate save; `unsaved`, answered at once and durable only through `stop()`), scheduled marks
 * (drivers with `schedule`) and actor creations.
 */
import fc from "fast-check";
import { createClient } from "../../runtime/client/index.ts";
import type { LedgerView } from "../fixtures/core/crash-ledger.ts";
import type { FixtureRegistry } from "../fixtures/registry.ts";
import { type DriverHost, startDriverHost } from "./host-process.ts";
import {
  emptyLedgerModel,
  type LaneTrack,
  type LedgerModel,
  laneProblems,
  missingDueMarks,
} from "./ledger-model.ts";

/** Kills of a crash run by default. */
export const DEFAULT_CRASH_KILLS = 20;
/** The latest kill moment, ms after the cycle's first acknowledgement. */
export const MAX_KILL_DELAY_MS = 400;
/** Latest due time of a scheduled mark, ms after it was scheduled. */
const MAX_MARK_DELAY_MS = 350;
/** How long a restarted driver has to fire the marks that came due (ms). */
const DUE_MARK_WAIT_MS = 5_000;
/** Bound (ms) of waits that end a cycle: writers settling, clients closing. */
const SETTLE_MS = 3_000;

/** One end of a cycle, drawn from the seed. */
export interface CycleEnd {
  /** ms after the cycle's first acknowledgement. */
  delayMs: number;
  /** A graceful `stop()` instead of SIGKILL. */
  graceful: boolean;
}

/**
 * The ends of `kills` cycles from `seed` (fast-check's generator: the same seed, the same
 * moments). About one in five is graceful, and the last is whenever none was.
 */
export function cycleEnds(seed: number, kills: number): CycleEnd[] {
  const ends = fc.sample(
    fc.record({
      delayMs: fc.integer({ min: 0, max: MAX_KILL_DELAY_MS }),
      graceful: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    }),
    { seed, numRuns: kills },
  );
  if (kills > 0 && !ends.some((e) => e.graceful)) ends[kills - 1].graceful = true;
  return ends;
}

/** What the loop needs. */
export interface CrashLoopOptions {
  driverModule: string;
  registryModule: string;
  dataDir: string;
  namespace: string;
  seed: number;
  kills: number;
  /** First key component of every actor the loop uses. */
  baseKey: string;
  /** The driver declares `schedule`: the marks lane runs (else no event is scheduled). */
  schedule: boolean;
  /** The connection lane's transport: the first the driver declares; none skips the lane. */
  transport: "websocket" | "sse" | undefined;
}

/** What a finished loop saw. */
export interface CrashLoopSummary {
  kills: number;
  graceful: number;
  /** Writes acknowledged over the whole loop, by kind. */
  acknowledged: { writes: number; marks: number; creations: number };
}

type LedgerClient = ReturnType<typeof createClient<FixtureRegistry>>;

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${typeof code === "string" ? `[${code}] ` : ""}${error.message}`;
  }
  return String(error);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** `promise`, or undefined after `ms`. */
function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    }),
  ]);
}

/** Runs the whole loop; throws an Error naming the cycle, its end and every problem found. */
export async function runCrashLoop(options: CrashLoopOptions): Promise<CrashLoopSummary> {
  const model = emptyLedgerModel();
  const ends = cycleEnds(options.seed, options.kills);
  const summary: CrashLoopSummary = {
    kills: 0,
    graceful: 0,
    acknowledged: { writes: 0, marks: 0, creations: 0 },
  };
  let previous: { end: CycleEnd; index: number } | undefined;
  for (let index = 0; index <= ends.length; index++) {
    const host = await startDriverHost(options).catch((error: Error) => {
      throw new Error(
        `${describeEnd(previous, options)}: the driver did not start again: ${error.message}`,
      );
    });
    const client = createClient<FixtureRegistry>(host.endpoint, {
      encoding: "cbor",
      transport: options.transport ?? "websocket",
    });
    try {
      if (previous) {
        const last = index === ends.length;
        const problems = await verify(client, model, options, previous.end.graceful, last);
        if (problems.length > 0) {
          throw new Error(
            `${describeEnd(previous, options)}, the restarted driver broke what was acknowledged:\n- ${problems.join("\n- ")}`,
          );
        }
      }
      if (index === ends.length) {
        await finalMarks(client, model, options);
        await host.stop();
        break;
      }
      await drive(client, host, model, options, index, ends[index]);
      summary.kills += 1;
      if (ends[index].graceful) summary.graceful += 1;
      previous = { end: ends[index], index };
    } finally {
      await settleWithin(client.dispose(), SETTLE_MS);
      await host.kill();
    }
  }
  const lanes = Object.values(model.lanes);
  summary.acknowledged = {
    writes: lanes.reduce((sum, lane) => sum + lane.acked, 0),
    marks: model.marks.size,
    creations: model.created.length,
  };
  return summary;
}

function describeEnd(
  previous: { end: CycleEnd; index: number } | undefined,
  options: CrashLoopOptions,
): string {
  if (!previous) return "at the first start";
  const how = previous.end.graceful ? "a graceful stop()" : "SIGKILL";
  return `after end ${previous.index + 1}/${options.kills} (${how} ${previous.end.delayMs} ms after the first acknowledgement; test seed ${options.seed})`;
}

/** One cycle: five lanes write until the seeded end; throws on a write refused before it. */
async function drive(
  client: LedgerClient,
  host: DriverHost,
  model: LedgerModel,
  options: CrashLoopOptions,
  index: number,
  end: CycleEnd,
): Promise<void> {
  let ending = false;
  const errors: string[] = [];
  let firstAck!: () => void;
  const acked = new Promise<void>((resolve) => {
    firstAck = resolve;
  });
  const ledger = (lane: string) => client.crashLedger.getOrCreate([options.baseKey, lane]);
  /** Writes `track.sent + 1` with `write` until the end; a refusal before the end is an error. */
  const lane = async (name: string, track: LaneTrack, write: (n: number) => Promise<void>) => {
    while (!ending) {
      const n = track.sent + 1;
      track.sent = n;
      try {
        await write(n);
      } catch (error) {
        if (!ending) errors.push(`${name}, write ${n}: ${messageOf(error)}`);
        return;
      }
      // A reply that arrives after the kill was still sent by the driver: it counts.
      track.acked = n;
      firstAck();
    }
  };
  const rawWrite = (path: string) => async (n: number) => {
    const response = await ledger("saved").fetch(`${path}?n=${n}`, { method: "POST" });
    if (!response.ok)
      throw new Error(`${path} answered ${response.status}: ${await response.text()}`);
  };
  const connection = options.transport ? ledger("websocket").connect() : undefined;
  const marks = { n: 0 };
  const lanes = [
    lane("http-1", model.lanes["http-1"], async (n) => void (await ledger("http-1").write(n))),
    lane("http-2", model.lanes["http-2"], async (n) => void (await ledger("http-2").write(n))),
    connection &&
      lane(
        `connection over ${options.transport}`,
        model.lanes.websocket,
        async (n) => void (await connection.write(n)),
      ),
    lane("saved", model.lanes.saved, rawWrite("/saved")),
    lane("unsaved", model.unsaved, rawWrite("/unsaved")),
    (async () => {
      while (!ending && options.schedule) {
        const tag = `c${index}-m${marks.n++}`;
        const ms = (marks.n * 97) % MAX_MARK_DELAY_MS;
        try {
          // One actor per mark: its alarm is its only one, so a lost alarm is never re-armed
          // by the runtime loading that actor for another alarm.
          model.marks.set(tag, await ledger(`mark-${tag}`).scheduleMark(tag, ms));
        } catch (error) {
          if (!ending) errors.push(`scheduleMark(${tag}): ${messageOf(error)}`);
          return;
        }
        await sleep(40);
      }
    })(),
    (async () => {
      for (let k = 0; !ending; k++) {
        const key = `made-${index}-${k}`;
        try {
          await client.crashLedger.create([options.baseKey, key]);
        } catch (error) {
          if (!ending) errors.push(`create [${key}]: ${messageOf(error)}`);
          return;
        }
        model.created.push(key);
        await sleep(60);
      }
    })(),
  ];
  const all = Promise.all(lanes);
  const started = await settleWithin(
    acked.then(() => true),
    10_000,
  );
  if (!started) errors.push("no write was acknowledged within 10,000 ms of the start");
  await sleep(end.delayMs);
  ending = true;
  if (end.graceful) {
    // Nothing in flight at the stop: every lane's last write was answered.
    await settleWithin(all, SETTLE_MS);
    await host.stop();
  } else {
    await host.kill();
    await settleWithin(all, SETTLE_MS);
  }
  if (connection) await settleWithin(connection.dispose(), SETTLE_MS);
  if (errors.length > 0) {
    throw new Error(
      `cycle ${index + 1}/${options.kills} (test seed ${options.seed}): the driver refused writes before it was ended:\n- ${errors.join("\n- ")}`,
    );
  }
}

/** Reads one ledger; a read that fails (a torn record, a lost actor) is a problem. */
async function readLedger(
  client: LedgerClient,
  key: string[],
  problems: string[],
): Promise<LedgerView | undefined> {
  try {
    const view = (await client.crashLedger.getOrCreate(key).read()) as LedgerView;
    if (!view.consistent)
      problems.push(`${key[1]}: torn state (a number stored with another number's padding)`);
    return view;
  } catch (error) {
    problems.push(`${key[1]}: read failed: ${messageOf(error)}`);
    return undefined;
  }
}

/** Checks the restarted driver against the model; re-bases the model on what it read. */
async function verify(
  client: LedgerClient,
  model: LedgerModel,
  options: CrashLoopOptions,
  graceful: boolean,
  everyCreation: boolean,
): Promise<string[]> {
  const problems: string[] = [];
  const startedAt = Date.now();
  for (const name of ["http-1", "http-2", "websocket"] as const) {
    const view = await readLedger(client, [options.baseKey, name], problems);
    if (!view) continue;
    problems.push(...laneProblems(name, view.seq, model.lanes[name], graceful));
    model.lanes[name] = { acked: view.seq, sent: view.seq };
  }
  const raw = await readLedger(client, [options.baseKey, "saved"], problems);
  if (raw) {
    problems.push(
      ...laneProblems("saved (raw HTTP, immediate save)", raw.saved, model.lanes.saved, graceful),
    );
    model.lanes.saved = { acked: raw.saved, sent: raw.saved };
    // Without a save, a change outside an action is durable only through a graceful stop().
    const floor = graceful ? model.unsaved : { acked: 0, sent: model.unsaved.sent };
    problems.push(
      ...laneProblems(
        "unsaved (raw HTTP, no save: stop() must write it)",
        raw.unsaved,
        floor,
        graceful,
      ),
    );
    model.unsaved = { acked: raw.unsaved, sent: raw.unsaved };
  }
  // Every mark due by now must run after the start (alarms due while down fire once started).
  // Read at the witness: calling the scheduling actor would load it and re-arm its schedule.
  let missing: string[] = [];
  for (const deadline = Date.now() + DUE_MARK_WAIT_MS; ; ) {
    const view = await readLedger(client, [options.baseKey, "witness"], problems);
    missing = view ? missingDueMarks(model, view, startedAt) : [];
    if (!view || missing.length === 0 || Date.now() > deadline) break;
    await sleep(100);
  }
  if (missing.length > 0) {
    problems.push(
      `${missing.length} acknowledged scheduled mark(s) due before the start did not run within ${DUE_MARK_WAIT_MS} ms: ${missing.slice(0, 5).join(", ")}`,
    );
  }
  // Creations acknowledged since the last check; every one of them at the last start.
  const toCheck = everyCreation ? model.created : model.created.slice(model.createdChecked);
  model.createdChecked = model.created.length;
  const lost: string[] = [];
  for (let i = 0; i < toCheck.length; i += 16) {
    await Promise.all(
      toCheck.slice(i, i + 16).map((key) =>
        client.crashLedger
          .get([options.baseKey, key])
          .resolve()
          .catch((error: unknown) => void lost.push(`[${key}] (${messageOf(error)})`)),
      ),
    );
  }
  if (lost.length > 0) {
    problems.push(
      `acknowledged creation(s) lost: ${lost.slice(0, 5).join(", ")}${lost.length > 5 ? ` and ${lost.length - 5} more` : ""}`,
    );
  }
  return problems;
}

/** After the last start: every acknowledged mark comes due and runs. */
async function finalMarks(
  client: LedgerClient,
  model: LedgerModel,
  options: CrashLoopOptions,
): Promise<void> {
  const lastDue = Math.max(0, ...model.marks.values());
  await sleep(Math.max(0, lastDue - Date.now()));
  const problems: string[] = [];
  let missing: string[] = [];
  for (const deadline = Date.now() + DUE_MARK_WAIT_MS; ; ) {
    const view = await readLedger(client, [options.baseKey, "witness"], problems);
    missing = view ? missingDueMarks(model, view, Date.now()) : [];
    if (!view || missing.length === 0 || Date.now() > deadline) break;
    await sleep(100);
  }
  if (missing.length > 0)
    problems.push(`scheduled mark(s) never ran: ${missing.slice(0, 5).join(", ")}`);
  if (problems.length > 0)
    throw new Error(
      `after the last start (test seed ${options.seed}):\n- ${problems.join("\n- ")}`,
    );
}

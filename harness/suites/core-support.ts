/**
 * Helpers shared by the core suites (manager, actions, values, state, vars, metadata,
 * lifecycle, schedule, errors, inline client, restart): the fixture client of a cell, coded
 * rejections, and bounded polling for effects that have no event to wait on (alarms).
 */
import type { Client } from "../../runtime/client/index.ts";
import { HarnessError } from "../errors.ts";
import type { FixtureRegistry } from "../fixtures/registry.ts";
import type { Cell } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";

/** The client typed from the fixture registry: `c.counter.getOrCreate(key).increment(1)`. */
export type CoreClient = Client<FixtureRegistry>;

/** The cell's client (`t.client`), or a new one for `cell` (closed after the test). */
export function clientOf(t: TestContext, cell?: Partial<Cell>): CoreClient {
  return (cell === undefined ? t.client : t.newClient(cell)) as unknown as CoreClient;
}

/**
 * The same client without types, for what the types rightly forbid: actor names that are not
 * registered and actions that do not exist (the tests of those errors).
 */
export function untyped(client: CoreClient): any {
  return client;
}

/**
 * Opens a connection on `handle` (over the client's transport), disposed after the test, and
 * waits until it is open. Loosely typed: connections carry the fixture's actions as methods.
 */
export async function openConnection(
  t: TestContext,
  handle: { connect(): any },
  what = "connection",
): Promise<any> {
  const conn = handle.connect();
  t.defer(() => conn.dispose());
  await t.step(`${what} opens over ${t.cell.transport}`, conn.waitForOpen());
  return conn;
}

/** Where a test runs, for assertion messages: `[client=http, encoding=cbor]`. */
export function where(t: TestContext): string {
  return `[client=${t.cell.client}, transport=${t.cell.transport}, encoding=${t.cell.encoding}]`;
}

/** What a rejection carried, normalised for assertions. */
export interface Rejection {
  code: unknown;
  message: unknown;
  metadata: unknown;
  error: unknown;
}

/**
 * Awaits `promise` (bounded by `t.step`) and returns what it rejected with. Fails the test,
 * naming `what` and the value it resolved to, when it resolves instead.
 */
export async function rejectionOf(
  t: TestContext,
  what: string,
  promise: Promise<unknown>,
  ms?: number,
): Promise<Rejection> {
  const outcome = await t.step(
    what,
    promise.then(
      (value) => ({ resolved: true as const, value }),
      (error: unknown) => ({ resolved: false as const, error }),
    ),
    ms,
  );
  if (outcome.resolved) {
    t.expect.fail(`${what}: expected a rejection, but it resolved to ${show(outcome.value)}`);
  }
  const error = (outcome as { error: unknown }).error;
  const e = error as { code?: unknown; message?: unknown; metadata?: unknown } | undefined;
  return { code: e?.code, message: e?.message, metadata: e?.metadata, error };
}

/**
 * Awaits a rejection of `promise` and asserts its code is `code`; returns the rejection for
 * further checks. The failure message names `what`, the expected and the received code and
 * message.
 */
export async function expectCode(
  t: TestContext,
  what: string,
  promise: Promise<unknown>,
  code: string,
  ms?: number,
): Promise<Rejection> {
  const got = await rejectionOf(t, what, promise, ms);
  t.expect(
    got.code,
    `${what} ${where(t)}: expected code ${code}, got ${show(got.code)} (message ${show(got.message)})`,
  ).toBe(code);
  return got;
}

/** Default interval between two polls, in ms. */
const POLL_INTERVAL_MS = 20;

/**
 * Polls `probe` every 20 ms until `done(value)` holds, within `ms` (default 3000). Resolves the
 * last value. Used only where nothing can be awaited (an alarm firing inside the actor); the
 * deadline makes a missing effect a named timeout, not a hang.
 */
export async function pollUntil<T>(
  t: TestContext,
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  ms = 3000,
): Promise<T> {
  let stopped = false;
  const loop = async (): Promise<T> => {
    for (;;) {
      const value = await probe();
      if (done(value) || stopped) return value;
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  };
  try {
    return await t.step(what, loop(), ms);
  } finally {
    stopped = true;
  }
}

/** A short printable form of any value for messages (BigInt and Map included). */
export function show(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_k, v) => {
      if (typeof v === "bigint") return `${v}n`;
      if (v instanceof Map) return { Map: [...v] };
      if (v instanceof Set) return { Set: [...v] };
      if (v instanceof Uint8Array) return { bytes: Array.from(v) };
      if (v === undefined) return "<undefined>";
      return v;
    });
    const out = text === undefined ? String(value) : text;
    return out.length > 300 ? `${out.slice(0, 300)}...` : out;
  } catch {
    return String(value);
  }
}

/** `n` numbers `1..n`, for comparing the replies of `n` increments by one. */
export function oneTo(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i + 1);
}

/** Bound for a step that waits on many calls at once (concurrency tests), in ms. */
export const BULK_MS = 15_000;

/**
 * Restarts with the driver kept down at least `downMs` (ms), through `t.restart({ downMs })`.
 * Throws a HarnessError (`harness_broken`, reported against the harness, not the driver) when
 * the restart came back sooner: the harness did not keep the driver down, so the check cannot run.
 */
export async function restartDown(
  t: TestContext,
  downMs: number,
): Promise<{ started: number; ended: number }> {
  const started = Date.now();
  await t.restart({ downMs });
  const ended = Date.now();
  if (ended - started < downMs) {
    throw new HarnessError(
      "harness_broken",
      `t.restart({ downMs: ${downMs} }) returned after ${ended - started} ms: the harness did not keep the driver down, so "due while down" cannot be checked`,
    );
  }
  return { started, ended };
}

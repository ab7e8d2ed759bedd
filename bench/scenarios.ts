/**
 * The measured paths of `npm run bench`, opened ready to call and closed after: the bare
 * baselines (hono handler, `ws` echo, `ws` broadcast) and the same work through the toolkit's
 * public manager router with the public client (stateless action over HTTP, action over a
 * WebSocket or SSE connection, one broadcast to many connections).
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  type BenchEncoding,
  callHonoBaseline,
  connectWsRpcClients,
  startHonoBaseline,
  startWsEchoBaseline,
} from "./baselines.ts";
import { TICK_EVENT } from "./bench-registry.ts";
import { type BenchPath, inBatches, within } from "./measure.ts";
import type { RunningToolkit } from "./toolkit.ts";

/** A path ready to measure; `close()` releases what opening it took. */
export interface OpenPath extends BenchPath {
  close(): Promise<void>;
}

/** The action a toolkit path calls: `ping(i)` (no state change) or `increment(1)` (a write). */
export type BenchAction = "ping" | "increment";

/** The bare hono handler, called with the global fetch (undici): POST `{ args: [i] }`. */
export async function openHonoPath(name: string): Promise<OpenPath> {
  const server = await startHonoBaseline();
  try {
    const op = (x: unknown) => callHonoBaseline(server.url, x);
    await expectEcho(op, name);
    return { name, op, close: () => server.close() };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/**
 * The bare `ws` echo: action-shaped messages, replies matched by id. On one socket (the
 * default) calls share it, any number in flight; on more, each socket has at most one call in
 * flight: a call takes a free socket and gives it back when its reply is in (see {@link laneOp}).
 */
export async function openWsEchoPath(
  name: string,
  encoding: BenchEncoding,
  sockets = 1,
): Promise<OpenPath> {
  const server = await startWsEchoBaseline();
  try {
    const clients = await connectWsRpcClients(server.url, encoding, sockets);
    const calls = clients.map((client) => (x: unknown) => client.call(x));
    const op = sockets === 1 ? calls[0] : laneOp(calls);
    const close = async () => {
      await Promise.allSettled(clients.map((client) => client.close()));
      await server.close();
    };
    try {
      await expectEcho(op, name);
    } catch (error) {
      await close();
      throw error;
    }
    return { name, op, close };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/**
 * `ping(x)` over `count` WebSocket connections of one client to one actor, each with at most one
 * call in flight (see {@link laneOp}): many clients' connections calling in sequence.
 */
export async function openConnectionLanesPath(
  name: string,
  toolkit: RunningToolkit,
  encoding: BenchEncoding,
  count: number,
): Promise<OpenPath> {
  const handle = toolkit
    .client(encoding, "websocket")
    .bench.getOrCreate([`lanes-websocket-${encoding}`]);
  const conns: ReturnType<typeof handle.connect>[] = [];
  const close = async () => {
    await Promise.allSettled(conns.map((conn) => conn.dispose()));
  };
  try {
    await within(
      inBatches(count, 50, async () => {
        const conn = handle.connect();
        conns.push(conn);
        await conn.waitForOpen();
      }),
      10_000,
      `opening ${count} WebSocket connections`,
    );
    const op = laneOp(conns.map((conn) => (x: unknown) => conn.ping(x)));
    await expectEcho(op, name);
    return { name, op, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * One call through `lanes`: it takes a free lane (the one freed last, so sequential calls all
 * use the same lane) and frees it when the call settles. Rejects when every lane is busy, since
 * a lane must never carry two calls at once.
 */
function laneOp(
  lanes: readonly ((x: unknown) => Promise<unknown>)[],
): (x: unknown) => Promise<unknown> {
  const free = [...lanes].reverse();
  return async (x) => {
    const lane = free.pop();
    if (lane === undefined) throw new Error(`more than ${lanes.length} calls in flight`);
    try {
      return await lane(x);
    } finally {
      free.push(lane);
    }
  };
}

/**
 * A stateless action over HTTP through the manager router, called the way applications call
 * it: `client.bench.getOrCreate(key).ping(i)` (each call carries the getOrCreate query).
 */
export async function openHttpActionPath(
  name: string,
  toolkit: RunningToolkit,
  encoding: BenchEncoding,
  action: BenchAction,
): Promise<OpenPath> {
  const handle = toolkit
    .client(encoding, "websocket")
    .bench.getOrCreate([`http-${encoding}-${action}`]);
  const op = action === "ping" ? (x: unknown) => handle.ping(x) : () => handle.increment(1);
  if (action === "ping") await expectEcho(op, name);
  // The client is disposed with the toolkit.
  return { name, op, close: async () => {} };
}

/**
 * An action over one connection (WebSocket or SSE) through the manager router; concurrent
 * calls are all in flight on that one connection.
 */
export async function openConnectionPath(
  name: string,
  toolkit: RunningToolkit,
  encoding: BenchEncoding,
  transport: "websocket" | "sse",
  action: BenchAction,
): Promise<OpenPath> {
  const handle = toolkit
    .client(encoding, transport)
    .bench.getOrCreate([`conn-${transport}-${encoding}-${action}`]);
  const conn = handle.connect();
  try {
    await within(conn.waitForOpen(), 10_000, `opening a ${transport} connection`);
    const op = action === "ping" ? (x: unknown) => conn.ping(x) : () => conn.increment(1);
    if (action === "ping") await expectEcho(op, name);
    return { name, op, close: () => conn.dispose() };
  } catch (error) {
    await conn.dispose();
    throw error;
  }
}

/** Many connections subscribed to one event, and a way to time one broadcast to all. */
export interface OpenBroadcast {
  /** Broadcasts `tick(round)`; resolves ms from just before the trigger to the last arrival. */
  broadcastOnce(round: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Opens `count` WebSocket connections (50 at a time) to one actor, each listening for `tick`,
 * plus a separate unsubscribed trigger connection, and waits until the actor counts `count`
 * subscribers; rejects (closing what it opened) when that takes over `timeoutMs`. A round calls
 * `broadcast(round)` on the trigger connection and ends when the last listener has run.
 */
export async function openBroadcast(
  toolkit: RunningToolkit,
  encoding: BenchEncoding,
  count: number,
  timeoutMs: number,
): Promise<OpenBroadcast> {
  const deadline = performance.now() + timeoutMs;
  const handle = toolkit.client(encoding, "websocket").bench.getOrCreate([`broadcast-${encoding}`]);
  await handle.resolve();
  let current = Number.NaN;
  let remaining = 0;
  let arrived: (() => void) | undefined;
  const onTick = (round: unknown) => {
    if (round === current && --remaining === 0) arrived?.();
  };
  const conns: { dispose(): Promise<void> }[] = [];
  const trigger = handle.connect();
  conns.push(trigger);
  const close = async () => {
    await Promise.allSettled(conns.map((conn) => conn.dispose()));
  };
  try {
    await within(
      inBatches(count, 50, async () => {
        const conn = handle.connect();
        conns.push(conn);
        conn.on(TICK_EVENT, onTick);
        await conn.waitForOpen();
      }),
      timeoutMs,
      `opening ${count} connections`,
    );
    await within(trigger.waitForOpen(), 10_000, "opening the trigger connection");
    await waitForSubscribers(handle, count, deadline);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    async broadcastOnce(round) {
      current = round;
      remaining = count;
      const done = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const start = performance.now();
      await trigger.broadcast(round);
      await within(done, 10_000, `broadcast round ${round} reaching ${count} connections`);
      return performance.now() - start;
    },
    close,
  };
}

/** Polls `subscribers(tick)` until `count` connections are subscribed, up to `deadline`. */
async function waitForSubscribers(
  handle: { subscribers(event: string): Promise<unknown> },
  count: number,
  deadline: number,
): Promise<void> {
  for (;;) {
    const seen = Number(await handle.subscribers(TICK_EVENT));
    if (seen >= count) return;
    if (performance.now() > deadline) {
      throw new Error(`only ${seen} of ${count} connections subscribed to ${TICK_EVENT}`);
    }
    await sleep(20);
  }
}

/** Fails loudly when a path does not echo its argument: a broken path must not be timed. */
async function expectEcho(call: (x: unknown) => Promise<unknown>, what: string): Promise<void> {
  const got = await within(call(4217), 10_000, what);
  if (got !== 4217) throw new Error(`${what} returned ${JSON.stringify(got)}, expected 4217`);
}

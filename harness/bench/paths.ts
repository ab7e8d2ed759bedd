/**
 * The measured paths through a started driver, opened ready to call and closed after: a
 * stateless or state-changing action over HTTP, an action over a WebSocket or SSE connection,
 * a raw HTTP round trip, a raw WebSocket echo (all through the public manager router with the
 * public client), and the manager's create / getOrCreate / getForId called on the driver's
 * ManagerDriver itself. Shared by `npm run bench` and `driver-cert bench`.
 */
import { randomUUID } from "node:crypto";
import type { ManagerDriver } from "../../runtime/driver/index.ts";
import type { UniversalWebSocket } from "../../runtime/routing/universal-websocket.ts";
import { type BenchPath, inBatches, within } from "./measure.ts";
import type { BenchEncoding, RunningToolkit } from "./toolkit.ts";

/** A path ready to measure; `close()` releases what opening it took. */
export interface OpenPath extends BenchPath {
  close(): Promise<void>;
}

/** The action a toolkit path calls: `ping(i)` (no state change) or `increment(1)` (a write). */
export type BenchAction = "ping" | "increment";

/** How long opening one path may take, in ms, before it is reported failed. */
export const OPEN_TIMEOUT_MS = 10_000;

/**
 * A stateless action over HTTP through the manager router, called the way applications call
 * it: `client.bench.getOrCreate(key).ping(i)` (each call carries the getOrCreate query).
 * `endpoint` picks another router of the toolkit (default its own).
 */
export async function openHttpActionPath(
  name: string,
  toolkit: RunningToolkit,
  encoding: BenchEncoding,
  action: BenchAction,
  endpoint?: string,
): Promise<OpenPath> {
  const handle = toolkit
    .client(encoding, "websocket", endpoint)
    .bench.getOrCreate([`http-${encoding}-${action}`]);
  const op = action === "ping" ? (x: unknown) => handle.ping(x) : () => handle.increment(1);
  if (action === "ping") await expectEcho(op, name);
  else await within(op(0), OPEN_TIMEOUT_MS, name);
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
    await within(conn.waitForOpen(), OPEN_TIMEOUT_MS, `opening a ${transport} connection`);
    const op = action === "ping" ? (x: unknown) => conn.ping(x) : () => conn.increment(1);
    if (action === "ping") await expectEcho(op, name);
    return { name, op, close: () => conn.dispose() };
  } catch (error) {
    await conn.dispose();
    throw error;
  }
}

/**
 * Raw HTTP to the actor's `onFetch` through the manager router: POST `/echo` with the call's
 * index as the body, resolved once the echoed body is read.
 */
export async function openRawHttpPath(name: string, toolkit: RunningToolkit): Promise<OpenPath> {
  const handle = toolkit.client("cbor", "websocket").bench.getOrCreate(["raw-http"]);
  await handle.resolve();
  const op = async (x: unknown) => {
    const response = await handle.fetch("/echo", { method: "POST", body: String(x) });
    return Number(await response.text());
  };
  await expectEcho(op, name);
  return { name, op, close: async () => {} };
}

/**
 * A raw WebSocket to the actor's `onWebSocket` through the manager router: each call sends the
 * call's index as a text frame and resolves with the echoed frame. Frames keep their order
 * (ROUTE-3), so replies are matched to calls first in, first out.
 */
export async function openRawWebSocketPath(
  name: string,
  toolkit: RunningToolkit,
): Promise<OpenPath> {
  const handle = toolkit.client("cbor", "websocket").bench.getOrCreate(["raw-websocket"]);
  const socket: UniversalWebSocket = await within(
    handle.websocket("/echo"),
    OPEN_TIMEOUT_MS,
    "opening a raw WebSocket",
  );
  const waiting: ((data: unknown) => void)[] = [];
  socket.addEventListener("message", (event) => waiting.shift()?.(Number(event.data)));
  const op = (x: unknown) =>
    new Promise<unknown>((resolve) => {
      waiting.push(resolve);
      socket.send(String(x));
    });
  const close = async () => {
    if (socket.readyState < 2) socket.close(1000, "bench done");
  };
  try {
    await expectEcho(op, name);
  } catch (error) {
    await close();
    throw error;
  }
  return { name, op, close };
}

/** The manager operations a rate path measures. */
export type ManagerOperation = "create" | "getOrCreate" | "getForId";

/**
 * The driver's ManagerDriver called directly, no router or client between: `create` makes a
 * new actor per call (a fresh key each time), `getOrCreate` asks for one of `pool` actors that
 * exist already, `getForId` looks one of them up by id. The pool is created before timing, 50
 * at a time.
 */
export async function openManagerPath(
  name: string,
  manager: ManagerDriver,
  operation: ManagerOperation,
  pool = 100,
): Promise<OpenPath> {
  const prefix = `${operation}-${randomUUID().slice(0, 8)}`;
  const existing =
    operation === "create"
      ? []
      : await within(
          inBatches(pool, 50, (i) =>
            manager.getOrCreateWithKey({ name: "bench", key: [prefix, String(i)] }),
          ),
          OPEN_TIMEOUT_MS * 3,
          `creating ${pool} actors for ${name}`,
        );
  let created = 0;
  const op = async (i: number) => {
    if (operation === "create") {
      return manager.createActor({ name: "bench", key: [prefix, String(created++)] });
    }
    const actor = existing[i % existing.length];
    if (operation === "getForId") {
      const found = await manager.getForId({ actorId: actor.actorId });
      if (found?.actorId !== actor.actorId) throw new Error(`getForId lost actor ${actor.actorId}`);
      return found;
    }
    return manager.getOrCreateWithKey({ name: "bench", key: actor.key });
  };
  await within(op(0), OPEN_TIMEOUT_MS, name);
  return { name, op, close: async () => {} };
}

/** Fails loudly when a path does not echo its argument: a broken path must not be timed. */
export async function expectEcho(
  call: (x: unknown) => Promise<unknown>,
  what: string,
): Promise<void> {
  const got = await within(call(4217), OPEN_TIMEOUT_MS, what);
  if (got !== 4217) throw new Error(`${what} returned ${JSON.stringify(got)}, expected 4217`);
}

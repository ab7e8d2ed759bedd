/**
 * The bare baseline paths of `npm run bench`, opened ready to call and closed after: the hono
 * handler and the `ws` echo (one socket, or many each calling in sequence), and the toolkit's
 * many-connection path measured against that echo. The single-connection toolkit paths are opened
 * by harness/bench/paths.ts, shared with `driver-cert bench`.
 */
import { inBatches, within } from "../harness/bench/measure.ts";
import { expectEcho, type OpenPath } from "../harness/bench/paths.ts";
import type { RunningToolkit } from "../harness/bench/toolkit.ts";
import {
  type BenchEncoding,
  callHonoBaseline,
  connectWsRpcClients,
  startHonoBaseline,
  startWsEchoBaseline,
} from "./baselines.ts";

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

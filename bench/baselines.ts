/**
 * Bare baselines measured in the same run as the toolkit: a @hono/node-server handler answering
 * JSON, a `ws` echo server with a minimal request/response client, and a `ws` server
 * broadcasting to many sockets. They set the ratios `npm run bench` prints.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { decode as decodeCbor, encode as encodeCbor } from "cbor-x";
import { Hono } from "hono";
import { type RawData, WebSocket, WebSocketServer } from "ws";
import { inBatches, within } from "../harness/bench/measure.ts";
import type { BenchEncoding } from "../harness/bench/toolkit.ts";

/** The two wire encodings; the baselines use plain cbor-x and JSON, no value checks. */
export type { BenchEncoding };

/** A running baseline server. */
export interface BaselineServer {
  url: string;
  close(): Promise<void>;
}

/**
 * A hono app on @hono/node-server answering `POST /echo` (body `{ args: [x] }`, JSON) with
 * `{ output: x }`: the same request and response shapes as a stateless action.
 */
export async function startHonoBaseline(): Promise<BaselineServer> {
  const app = new Hono();
  app.post("/echo", async (c) => {
    const body = (await c.req.json()) as { args: unknown[] };
    return c.json({ output: body.args[0] });
  });
  const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/echo`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // undici keeps idle keep-alive sockets; without this close() waits for their timeout.
        if ("closeAllConnections" in server) server.closeAllConnections();
      }),
  };
}

/** One call to the hono baseline: POST `{ args: [x] }`, resolve `output`. */
export async function callHonoBaseline(url: string, x: unknown): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ args: [x] }),
  });
  const body = (await response.json()) as { output: unknown };
  return body.output;
}

/** A `ws` server that echoes every message back on the same socket, frame type kept. */
export async function startWsEchoBaseline(): Promise<BaselineServer> {
  const wss = await listenWss();
  wss.on("connection", (socket) => {
    socket.on("message", (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  const { port } = wss.address() as AddressInfo;
  return { url: `ws://127.0.0.1:${port}`, close: () => closeWss(wss) };
}

/** A request/response client over one bare socket: calls matched to replies by id. */
export interface WsRpcClient {
  /** Sends `{ type: "action", id, name: "ping", args: [x] }`; resolves the echoed `args[0]`. */
  call(x: unknown): Promise<unknown>;
  close(): Promise<void>;
}

/**
 * Connects to the echo baseline. Each call encodes an action-shaped message in `encoding` (JSON
 * text frames, cbor-x binary frames), and the reply is decoded and matched by id, so the
 * baseline does the same client-side work as a connection minus the toolkit's own layers.
 */
export async function connectWsRpc(url: string, encoding: BenchEncoding): Promise<WsRpcClient> {
  const socket = await openSocket(url);
  const pending = new Map<number, (value: unknown) => void>();
  let nextId = 0;
  socket.on("message", (data) => {
    const message = decodeFrame(data, encoding) as { id: number; args: unknown[] };
    const resolve = pending.get(message.id);
    pending.delete(message.id);
    resolve?.(message.args[0]);
  });
  return {
    call(x) {
      const id = nextId++;
      return new Promise((resolve) => {
        pending.set(id, resolve);
        socket.send(encodeFrame({ type: "action", id, name: "ping", args: [x] }, encoding));
      });
    },
    close: () => closeSocket(socket),
  };
}

/**
 * `count` sockets to the echo baseline (opened 50 at a time), each a {@link connectWsRpc}
 * client. Rejects, closing what it opened, when they do not open within `timeoutMs`.
 */
export async function connectWsRpcClients(
  url: string,
  encoding: BenchEncoding,
  count: number,
  timeoutMs = 10_000,
): Promise<WsRpcClient[]> {
  const opened: WsRpcClient[] = [];
  try {
    await within(
      inBatches(count, 50, async () => {
        opened.push(await connectWsRpc(url, encoding));
      }),
      timeoutMs,
      `opening ${count} bare WebSockets`,
    );
    return opened;
  } catch (error) {
    await Promise.allSettled(opened.map((client) => client.close()));
    throw error;
  }
}

/** A bare broadcast setup: `count` receiving sockets and one trigger socket. */
export interface BroadcastBaseline {
  /**
   * Sends one trigger message; the server encodes `{ type: "event", name: "tick", args: [round] }`
   * once and sends it to every receiving socket. Resolves the ms from just before the trigger
   * until the last receiver has decoded it.
   */
  broadcastOnce(round: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Starts a `ws` server with `count` receiving client sockets (opened 50 at a time) and a trigger
 * socket at `/trigger`, in `encoding`. Rejects, closing what it opened, when the sockets do not
 * open within `timeoutMs`.
 */
export async function startWsBroadcastBaseline(
  count: number,
  encoding: BenchEncoding,
  timeoutMs = 30_000,
): Promise<BroadcastBaseline> {
  const wss = await listenWss();
  const receivers = new Set<WebSocket>();
  wss.on("connection", (socket, request) => {
    if (request.url !== "/trigger") {
      receivers.add(socket);
      socket.on("close", () => receivers.delete(socket));
      return;
    }
    socket.on("message", (data) => {
      const { round } = decodeFrame(data, encoding) as { round: number };
      const frame = encodeFrame({ type: "event", name: "tick", args: [round] }, encoding);
      for (const receiver of receivers) receiver.send(frame);
    });
  });
  const { port } = wss.address() as AddressInfo;
  const base = `ws://127.0.0.1:${port}`;
  let remaining = 0;
  let arrived: (() => void) | undefined;
  const onMessage = (data: RawData) => {
    decodeFrame(data, encoding);
    if (--remaining === 0) arrived?.();
  };
  try {
    const clients = await within(
      inBatches(count, 50, () => openSocket(base)),
      timeoutMs,
      `opening ${count} bare WebSockets`,
    );
    for (const client of clients) client.on("message", onMessage);
    const trigger = await openSocket(`${base}/trigger`);
    return {
      async broadcastOnce(round) {
        remaining = clients.length;
        const done = new Promise<void>((resolve) => {
          arrived = resolve;
        });
        const start = performance.now();
        trigger.send(encodeFrame({ round }, encoding));
        await within(done, 10_000, "the bare broadcast");
        return performance.now() - start;
      },
      async close() {
        await Promise.all([...clients, trigger].map(closeSocket));
        await closeWss(wss);
      },
    };
  } catch (error) {
    await closeWss(wss);
    throw error;
  }
}

/** A message as a frame: JSON text, or cbor-x bytes. */
export function encodeFrame(value: unknown, encoding: BenchEncoding): string | Uint8Array {
  return encoding === "json" ? JSON.stringify(value) : encodeCbor(value);
}

/** A received frame decoded in `encoding`. */
export function decodeFrame(data: RawData, encoding: BenchEncoding): unknown {
  const bytes = Buffer.isBuffer(data)
    ? data
    : Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.from(data);
  return encoding === "json" ? JSON.parse(bytes.toString("utf8")) : decodeCbor(bytes);
}

async function listenWss(): Promise<WebSocketServer> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  return wss;
}

function openSocket(url: string): Promise<WebSocket> {
  const socket = new WebSocket(url);
  return new Promise((resolve, reject) => {
    socket.once("open", () => resolve(socket));
    socket.once("error", reject);
  });
}

function closeSocket(socket: WebSocket): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once("close", () => resolve());
    socket.close();
  });
}

function closeWss(wss: WebSocketServer): Promise<void> {
  for (const socket of wss.clients) socket.terminate();
  return new Promise<void>((resolve) => wss.close(() => resolve()));
}

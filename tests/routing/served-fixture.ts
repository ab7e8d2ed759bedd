/**
 * A small registry of test actors, hosted on the memory driver behind a real `serveManager` on
 * 127.0.0.1, for the manager router tests. Everything is closed by `onTestFinished`.
 */

import http from "node:http";
import { EventSourceParserStream } from "eventsource-parser/stream";
import { onTestFinished } from "vitest";
import { WebSocket } from "ws";
import memoryDriver from "../../reference-drivers/memory/index.ts";
import { actor } from "../../runtime/actor/definition.ts";
import { UserError } from "../../runtime/actor/errors.ts";
import { setup } from "../../runtime/actor/registry.ts";
import { createDriverRuntimeHelpers } from "../../runtime/driver/index.ts";
import { type ActorQuery, buildSubprotocols } from "../../runtime/protocol/index.ts";
import { serveManager } from "../../runtime/routing/node-server.ts";

/** One onAuth call as the actor saw it. */
export interface AuthCall {
  intents: string[];
  params: unknown;
  url: string;
  headers: Record<string, string>;
}

/** What the raw WebSocket handler saw. */
export interface RawSocketLog {
  closes: { code: number; reason: string }[];
}

/** Counts occurrences of something and lets a test await the next one. */
export class Waiters {
  count = 0;
  #waiting: (() => void)[] = [];
  fire(): void {
    this.count++;
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
  next(): Promise<void> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}

function makeRegistry() {
  const authCalls: AuthCall[] = [];
  const raw: RawSocketLog = { closes: [] };
  const disconnects = new Waiters();
  const starts = new Waiters();
  const guarded = actor({
    state: { count: 0, kept: null as unknown },
    onStart: () => starts.fire(),
    onAuth: ({ request, intents, params }) => {
      authCalls.push({
        intents: [...intents].sort(),
        params,
        url: request.url,
        headers: Object.fromEntries(request.headers),
      });
      const p = params as { deny?: string; auth?: unknown; throwRaw?: string } | undefined;
      if (p?.deny) throw new UserError("denied by onAuth", { code: p.deny });
      if (p?.throwRaw) throw p.throwRaw;
      return p !== undefined && p !== null && "auth" in p ? p.auth : { user: "alice" };
    },
    actions: {
      increment: (c, n: number) => {
        c.state.count += n;
        return c.state.count;
      },
      echo: (_c, ...args: unknown[]) => args,
      whoami: (c) => ({
        auth: c.conn.auth === undefined ? "(undefined)" : c.conn.auth,
        params: c.conn.params ?? null,
      }),
      boom: () => {
        throw new Error("secret internals");
      },
      fail: () => {
        throw new UserError("user failure", { code: "my_code", metadata: { why: 1 } });
      },
      throwRaw: () => {
        throw "a plain string";
      },
      keep: (c, value: unknown) => {
        c.state.kept = value;
        return c.state.count;
      },
      /** Broadcasts `count` events of `size` characters each, in one go. */
      flood: (c, count: number, size: number) => {
        const text = "x".repeat(size);
        for (let i = 0; i < count; i++) c.broadcast("flood", i, text);
        return count;
      },
    },
    onDisconnect: () => disconnects.fire(),
    onFetch: async (_c, request, { auth }) => {
      if (new URL(request.url).pathname === "/length") {
        return Response.json({ length: (await request.arrayBuffer()).byteLength });
      }
      if (new URL(request.url).pathname === "/binary") {
        return new Response(new Uint8Array([0, 1, 254, 255]), {
          status: 201,
          headers: { "content-type": "application/octet-stream", "x-from-actor": "yes" },
        });
      }
      return Response.json({
        url: request.url,
        method: request.method,
        headers: Object.fromEntries(request.headers),
        body: [...new Uint8Array(await request.arrayBuffer())],
        auth: auth ?? "(undefined)",
      });
    },
    onWebSocket: (_c, socket, { request, auth }) => {
      socket.send(
        JSON.stringify({
          url: request.url,
          protocols: request.headers.get("sec-websocket-protocol"),
          internal: [...request.headers.keys()].filter((h) => h.startsWith("x-actor-internal-")),
          auth: auth ?? "(undefined)",
        }),
      );
      socket.addEventListener("message", (event) => {
        if (event.data === "close-please") socket.close(4123, "actor says bye");
        else socket.send(event.data);
      });
      socket.addEventListener("close", (event) => {
        raw.closes.push({ code: event.code, reason: event.reason });
      });
    },
  });
  const noAuth = actor({ actions: { ping: () => "pong" } });
  const bare = actor({ onAuth: () => undefined, actions: { ping: () => "pong" } });
  return {
    registry: setup({ use: { guarded, noAuth, bare } }),
    authCalls,
    raw,
    disconnects,
    starts,
  };
}

/** Starts the memory driver and a manager server for one test. */
export async function serveFixture() {
  const { registry, authCalls, raw, disconnects, starts } = makeRegistry();
  const driver = await memoryDriver.start({
    registry,
    dataDir: "",
    namespace: `test-${crypto.randomUUID()}`,
    runtime: createDriverRuntimeHelpers(),
  });
  const server = await serveManager({ registry, manager: driver.manager });
  onTestFinished(async () => {
    await server.close();
    await driver.stop();
  });
  return {
    endpoint: server.endpoint,
    port: server.port,
    manager: driver.manager,
    authCalls,
    raw,
    disconnects,
    starts,
  };
}

/**
 * A GET with `path` sent byte for byte (fetch would normalize it, e.g. drop a lone "?"),
 * resolving the status and body text.
 */
export function rawGet(
  endpoint: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: url.hostname, port: url.port, path, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
  });
}

/** Headers of a structured request. */
export function structured(
  query: ActorQuery,
  options: { encoding?: "json" | "cbor"; params?: unknown } = {},
): Record<string, string> {
  const headers: Record<string, string> = {
    "x-actor-query": JSON.stringify(query),
    "x-actor-encoding": options.encoding ?? "json",
  };
  if (options.params !== undefined) headers["x-actor-conn-params"] = JSON.stringify(options.params);
  return headers;
}

/** A `ws` client on `path` offering our subprotocols plus `extra`; closed after the test. */
export function openSocket(
  endpoint: string,
  path: string,
  options: { encoding?: "json" | "cbor"; query?: ActorQuery; params?: unknown; extra?: string[] },
): WebSocket {
  const protocols = buildSubprotocols({
    encoding: options.encoding ?? "json",
    query: options.query,
    params: options.params,
    extra: options.extra,
  });
  const socket = new WebSocket(`${endpoint.replace("http", "ws")}${path}`, protocols);
  onTestFinished(() => socket.terminate());
  return socket;
}

/** Every message a `ws` client receives, as text (string) or bytes (Uint8Array), in order. */
export function inbox(socket: WebSocket) {
  const queue: (string | Uint8Array)[] = [];
  const waiters: ((value: string | Uint8Array) => void)[] = [];
  socket.on("message", (data: Buffer, isBinary: boolean) => {
    const value = isBinary ? new Uint8Array(data) : data.toString("utf8");
    const waiter = waiters.shift();
    if (waiter) waiter(value);
    else queue.push(value);
  });
  return {
    next(): Promise<string | Uint8Array> {
      const queued = queue.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((resolve) => waiters.push(resolve));
    },
    async json(): Promise<any> {
      return JSON.parse((await this.next()) as string);
    },
  };
}

/** Resolves the close code and reason a `ws` client received. */
export function closed(socket: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) =>
    socket.on("close", (code: number, reason: Buffer) =>
      resolve({ code, reason: reason.toString("utf8") }),
    ),
  );
}

/** Resolves once the `ws` client is open. */
export function opened(socket: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("error", reject);
  });
}

/**
 * Reads an SSE response event by event: each call resolves the next event's `data` text, or
 * undefined once the stream ended. The reader is cancelled after the test.
 */
export function events(response: Response): () => Promise<string | undefined> {
  // eventsource-parser reads the stream as WHATWG HTML's server-sent events define it.
  const reader = response
    .body!.pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  onTestFinished(() => reader.cancel().catch(() => {}));
  return async () => {
    const { done, value } = await reader.read();
    return done ? undefined : value.data;
  };
}

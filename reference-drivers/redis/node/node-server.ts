/**
 * A node's loopback HTTP and WebSocket server, the data plane between processes. Every path
 * names the run's namespace; a node not serving that namespace answers 503 `node_not_serving`.
 *
 * - `/_node/<ns>/actors/<id>/http` and `.../websocket`: the actor on this node (409 with the
 *   owner's token when another node holds the lease). The original URL travels in a header.
 * - `/_node/<ns>/enter/<id>/http` and `.../websocket`: a request entering through this node,
 *   routed onward by its manager, as a request from a client of this node would be (DIST-3).
 * - `/_node/<ns>/manager`: a lookup or creation run by this node (`{ op, input }` as JSON).
 *
 * Bodies stream both ways (SSE across nodes); a client that goes away aborts the request.
 */
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer } from "ws";
import {
  ActorError,
  type ManagerDriver,
  type UniversalWebSocket,
} from "../../../runtime/driver/index.ts";
import {
  type Forwarder,
  MOVED_HEADER,
  type Moved,
  NOT_SERVING,
  PROTOCOLS_HEADER,
  THROWN_HEADER,
  URL_HEADER,
} from "../routing/forwarder.ts";
import { webStreamOf } from "../routing/node-stream.ts";
import { holdSocket, nodePeer } from "../routing/ws-bridge.ts";
import type { ActorSlots } from "./actor-slots.ts";

const HOP_BY_HOP = new Set([
  PROTOCOLS_HEADER,
  "host",
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  URL_HEADER,
]);
const ROUTE = /^\/_node\/([^/]+)\/(?:(manager)|(actors|enter)\/([^/]+)\/(http|websocket))$/;
/** Largest `/_node/manager` body, in bytes. */
const MAX_MANAGER_BODY = 1_048_576;

/** A Web Request rebuilt from what another process forwarded; aborted when the caller leaves. */
function requestFrom(incoming: IncomingMessage, signal?: AbortSignal): Request {
  const url = incoming.headers[URL_HEADER];
  if (typeof url !== "string") throw new ActorError("invalid_request", `missing ${URL_HEADER}`);
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toLowerCase();
    if (!HOP_BY_HOP.has(name) && !name.startsWith("sec-websocket-"))
      headers.append(name, raw[i + 1]);
  }
  const method = incoming.method ?? "GET";
  const hasBody = method !== "GET" && method !== "HEAD";
  return new Request(url, {
    method,
    headers,
    body: hasBody ? webStreamOf(incoming) : null,
    duplex: "half",
    signal,
  } as RequestInit);
}

async function writeResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: string[] = [];
  for (const [name, value] of response.headers)
    if (name !== "set-cookie") headers.push(name, value);
  for (const cookie of response.headers.getSetCookie()) headers.push("set-cookie", cookie);
  res.writeHead(response.status, headers);
  if (!response.body) return void res.end();
  res.flushHeaders();
  const reader = response.body.getReader();
  res.once("close", () => reader.cancel().catch(() => {}));
  for (;;) {
    const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
    if (done || res.destroyed) break;
    if (!res.write(value)) await once(res, "drain").catch(() => {});
  }
  res.end();
}

/**
 * Answers a call whose handling threw: 502 marked `thrown`, with what was thrown, so the sender
 * rejects with it as an in-process call would (an ActorError keeps its code; other values are
 * carried as they were: an Error by its message, anything else as its JSON form).
 */
function writeError(res: ServerResponse, error: unknown): void {
  if (res.headersSent) return void res.destroy();
  const thrown =
    error instanceof ActorError
      ? { kind: "actor", code: error.code, message: error.message }
      : error instanceof Error
        ? { kind: "error", message: error.message }
        : { kind: "value", value: error ?? null };
  res.writeHead(502, { "content-type": "application/json", [THROWN_HEADER]: "1" });
  res.end(JSON.stringify(thrown));
}

/** The driver start a node serves now. */
export interface NodeRun {
  namespace: string;
  slots: ActorSlots;
  forwarder: Forwarder;
  manager: ManagerDriver;
  /**
   * First step of a graceful stop of the whole start: fires no more alarms and resolves once the
   * alarm runs in progress finished, while every node still serves (their actors' calls to
   * other actors get through).
   */
  drain(): Promise<void>;
  /** Stops the run's actors, releases their leases, closes its connection and timers. */
  leave(): Promise<void>;
}

/** A listening node server. */
export interface NodeServer {
  /** `http://127.0.0.1:<port>`. */
  address: string;
  /** Ends the open sockets and requests of one namespace (after its run left). */
  closeConnections(namespace: string): void;
  close(): Promise<void>;
}

/** A parsed node path, or undefined when it is none (404). */
function parseRoute(url: string | undefined) {
  const m = ROUTE.exec((url ?? "/").split("?")[0]);
  if (!m) return undefined;
  return {
    namespace: decodeURIComponent(m[1]),
    manager: m[2] !== undefined,
    via: m[3] as "actors" | "enter" | undefined,
    actorId: m[4] === undefined ? "" : decodeURIComponent(m[4]),
    kind: m[5] as "http" | "websocket" | undefined,
  };
}

const NOT_SERVING_HEAD = `HTTP/1.1 503 Service Unavailable\r\nx-driver-cert-redis-error: ${NOT_SERVING}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;

type ManagerOp = "getForId" | "getWithKey" | "getOrCreateWithKey" | "createActor";
const MANAGER_OPS = new Set<string>([
  "getForId",
  "getWithKey",
  "getOrCreateWithKey",
  "createActor",
]);

async function serveManagerCall(manager: ManagerDriver, req: IncomingMessage, res: ServerResponse) {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_MANAGER_BODY)
      throw new ActorError("message_too_large", "manager call too large");
    chunks.push(chunk as Buffer);
  }
  const { op, input } = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
    op: string;
    input: never;
  };
  if (!MANAGER_OPS.has(op)) throw new ActorError("invalid_request", `unknown manager call ${op}`);
  try {
    const result = await manager[op as ManagerOp](input);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ result: result ?? null }));
  } catch (error) {
    const code = error instanceof ActorError ? error.code : "driver_error";
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code, message: (error as Error).message } }));
  }
}

/** Starts the node server on 127.0.0.1 and a free port, serving the runs `runOf` knows. */
export async function startNodeServer(
  runOf: (namespace: string) => NodeRun | undefined,
): Promise<NodeServer> {
  /** Open sockets and in-flight responses per namespace, to end when its run leaves. */
  const open = new Map<string, Set<{ destroy(): void }>>();
  /** Tracks `item` under `namespace`; returns the function that forgets it. */
  const track = (namespace: string, item: { destroy(): void }) => {
    const items = open.get(namespace) ?? new Set();
    open.set(namespace, items);
    items.add(item);
    return () => {
      items.delete(item);
    };
  };
  const selected = new WeakMap<IncomingMessage, string>();
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    handleProtocols: (_offered, req) => selected.get(req) || false,
  });

  const server: Server = createServer((req, res) => {
    const handle = async () => {
      const route = parseRoute(req.url);
      if (!route || route.kind === "websocket") return void res.writeHead(404).end();
      const run = runOf(route.namespace);
      if (run === undefined) {
        return void res.writeHead(503, { "x-driver-cert-redis-error": NOT_SERVING }).end();
      }
      res.once("close", track(route.namespace, res.socket!));
      if (route.manager) {
        if (req.method !== "POST") return void res.writeHead(405).end();
        return serveManagerCall(run.manager, req, res);
      }
      const abort = new AbortController();
      res.once("close", () => {
        if (!res.writableFinished) abort.abort();
      });
      const request = requestFrom(req, abort.signal);
      const answer: Response | Moved =
        route.via === "actors"
          ? await run.slots.request(route.actorId, request)
          : await run.forwarder.fetch(route.actorId, request);
      if ("moved" in answer) {
        res.writeHead(409, { [MOVED_HEADER]: answer.moved }).end();
        return;
      }
      await writeResponse(res, answer);
    };
    handle().catch((error) => writeError(res, error));
  });

  server.on("upgrade", (req, socket, head) => {
    const route = parseRoute(req.url);
    if (route?.kind !== "websocket") return void socket.destroy();
    const run = runOf(route.namespace);
    if (run === undefined) return void socket.end(NOT_SERVING_HEAD);
    socket.once("close", track(route.namespace, socket));
    const open = async () => {
      const request = requestFrom(req);
      const exact = req.headers[PROTOCOLS_HEADER];
      const offered = typeof exact === "string" ? exact : req.headers["sec-websocket-protocol"];
      const headers = new Headers(request.headers);
      if (offered) headers.set("sec-websocket-protocol", offered);
      const withProtocols = new Request(request, { headers });
      const answer: UniversalWebSocket | Moved =
        route.via === "actors"
          ? await run.slots.openWebSocket(route.actorId, withProtocols)
          : await run.forwarder.openWebSocket(route.actorId, withProtocols);
      if ("moved" in answer) {
        socket.end(
          `HTTP/1.1 409 Conflict\r\n${MOVED_HEADER}: ${answer.moved}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
        );
        return;
      }
      const held = holdSocket(answer);
      selected.set(req, answer.protocol);
      if (socket.destroyed) return void answer.close(1000, "the caller went away");
      wss.handleUpgrade(req, socket, head, (ws) => held.attach(nodePeer(ws)));
    };
    open().catch((error) => {
      const message = (error instanceof Error ? error.message : String(error)).replace(
        /[\r\n]/g,
        " ",
      );
      socket.end(
        `HTTP/1.1 502 Bad Gateway\r\nx-error: ${message.slice(0, 200)}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
    });
  });

  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    address: `http://127.0.0.1:${port}`,
    closeConnections(namespace) {
      for (const item of open.get(namespace) ?? []) item.destroy();
      open.delete(namespace);
    },
    async close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

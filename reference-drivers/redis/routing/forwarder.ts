/**
 * Routes requests and sockets to the node that owns an actor, over loopback HTTP and
 * WebSocket, streamed both ways (never buffered whole: SSE works across nodes). The harness-side
 * manager and every node route with it; a node routes to itself without a network hop.
 *
 * Where an actor goes: the node named by its lease in Redis; with no lease, a live node chosen
 * by a hash of the actor id (that node takes the lease when the request arrives). A node that
 * does not hold the lease answers 409 with the holder's token and the forwarder follows it.
 * A node that cannot be reached is retried until its lease can have expired plus a slack, then
 * the call fails with `driver_error`: never a hang (DIST-8).
 */
import type { Readable } from "node:stream";
import { Agent, request as undiciRequest } from "undici";
import { WebSocket as NodeWebSocket } from "ws";
import {
  ActorError,
  createSocketPair,
  type UniversalWebSocket,
} from "../../../runtime/driver/index.ts";
import { type Coordinator, type NodeRecord, tokenNode } from "../coordinator/coordinator.ts";
import { webStreamOf } from "./node-stream.ts";
import {
  type FramePeer,
  holdSocket,
  nodePeer,
  PEER_LOST_CODE,
  universalPeer,
} from "./ws-bridge.ts";

/** Header carrying the original request URL to the owner node (never decoded on the way). */
export const URL_HEADER = "x-driver-cert-redis-url";
/**
 * Headers of one HTTP hop, which the hop to the owner sets for itself (the body is re-framed
 * there, so a `transfer-encoding` of the first hop would be a lie on the second).
 */
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "host",
  "expect",
]);

/** Header carrying the upgrade request's `sec-websocket-protocol` exactly as the client sent it. */
export const PROTOCOLS_HEADER = "x-driver-cert-redis-protocols";
/** Header of a node's 502 answer that carries what the handling threw (see `rethrow`). */
export const THROWN_HEADER = "x-driver-cert-redis-thrown";

/** Throws what a node's `thrown` answer carries, as the in-process call would have thrown it. */
async function rethrow(body: Readable): Promise<never> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  const thrown = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
    kind: "actor" | "error" | "value";
    code?: string;
    message?: string;
    value?: unknown;
  };
  if (thrown.kind === "actor") throw new ActorError(thrown.code as "driver_error", thrown.message!);
  if (thrown.kind === "error") throw new Error(thrown.message);
  throw thrown.value;
}

/** Header of a 409 answer: the lease token of the node that owns the actor. */
export const MOVED_HEADER = "x-driver-cert-redis-owner";
/** Code of a node's 503 answer when it does not serve the request's namespace (now). */
export const NOT_SERVING = "node_not_serving";
/** Pause between attempts while an owner cannot be reached, in ms. */
export const RETRY_DELAY_MS = 100;
/** Slack past the lease time before a call to an unreachable owner gives up, in ms. */
export const FAILOVER_SLACK_MS = 3_000;

/** An answer that says another node owns the actor: its lease token. */
export interface Moved {
  moved: string;
}

/** How a node serves the actors it owns, without a network hop. */
export interface LocalOwner {
  nodeId: string;
  request(actorId: string, request: Request): Promise<Response | Moved>;
  openWebSocket(actorId: string, request: Request): Promise<UniversalWebSocket | Moved>;
}

/** Where a socket to an actor ended up: another node, or this node's own host. */
type Link =
  | { node: FramePeer; protocol: string; local?: undefined }
  | { local: UniversalWebSocket; node?: undefined };

type Attempt<T> = { done: T } | Moved | { unreachable: unknown };

const UNREACHABLE = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "UND_ERR_SOCKET",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_CLOSED",
  NOT_SERVING,
]);

function isUnreachable(error: unknown): boolean {
  const e = error as { code?: string; cause?: { code?: string } } | undefined;
  return UNREACHABLE.has(e?.code ?? "") || UNREACHABLE.has(e?.cause?.code ?? "");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A stable choice among `nodes` for `actorId` (FNV-1a of the id). */
function placement(actorId: string, nodes: NodeRecord[]): NodeRecord {
  let hash = 0x811c9dc5;
  for (let i = 0; i < actorId.length; i++) {
    hash ^= actorId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return nodes[hash % nodes.length];
}

/**
 * A request body that may be offered to several attempts until one of them reads from it: a
 * failed connection is retried only while no byte has left (bodies are never buffered).
 */
class OnceBody {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  started = false;
  constructor(body: ReadableStream<Uint8Array> | null) {
    this.#reader = body?.getReader();
  }
  /** The body as a Web stream for an in-process attempt; undefined when there is none. */
  webStream(): ReadableStream<Uint8Array> | undefined {
    const reader = this.#reader;
    if (!reader) return undefined;
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          this.started = true;
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
  }

  stream(): AsyncIterable<Uint8Array> | undefined {
    const reader = this.#reader;
    if (!reader) return undefined;
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        self.started = true;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          yield value;
        }
      },
    };
  }
}

function responseFrom(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  body: Readable,
  method: string,
  ending: () => boolean,
): Response {
  const out = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.append(name, v);
  }
  const empty = method === "HEAD" || status === 204 || status === 205 || status === 304;
  if (empty) body.resume();
  const stream = empty ? null : webStreamOf(body, ending);
  return new Response(stream, { status, headers: out });
}

/** Routes to actor owners; one per process that routes (the manager side, each node). */
export class Forwarder {
  readonly #coordinator: Coordinator;
  readonly #local: LocalOwner | undefined;
  readonly #leaseMs: number;
  readonly #entry: NodeRecord | undefined;
  readonly #agent = new Agent({ keepAliveTimeout: 2_000, connect: { timeout: 2_000 } });
  readonly #sockets = new Set<NodeWebSocket>();
  #closed = false;

  /**
   * `local` serves this node's own actors without a hop. With `entry`, every call is handed to
   * that node, which routes it onward as its own (`managerVia`, DIST-3).
   */
  constructor(
    coordinator: Coordinator,
    leaseMs: number,
    options: { local?: LocalOwner; entry?: NodeRecord } = {},
  ) {
    this.#coordinator = coordinator;
    this.#leaseMs = leaseMs;
    this.#local = options.local;
    this.#entry = options.entry;
  }

  /**
   * `/_node/<namespace>/actors/<id>/<kind>` on an owner, `.../enter/...` on an entry node. The
   * namespace in the path keeps a recycled node from serving one run's traffic in another.
   */
  #path(actorId: string, kind: "http" | "websocket"): string {
    const ns = encodeURIComponent(this.#coordinator.namespace);
    return `/_node/${ns}/${this.#entry ? "enter" : "actors"}/${encodeURIComponent(actorId)}/${kind}`;
  }

  /** How long a call keeps trying an owner that cannot be reached, in ms. */
  get failoverBoundMs(): number {
    return this.#leaseMs + FAILOVER_SLACK_MS;
  }

  /** The node to try for `actorId`, or undefined while only unreachable nodes could serve it. */
  async #target(actorId: string, suspects: Set<string>): Promise<NodeRecord | undefined> {
    if (this.#entry) return suspects.has(this.#entry.nodeId) ? undefined : this.#entry;
    const token = await this.#coordinator.leaseOf(actorId);
    if (token !== undefined) {
      const nodeId = tokenNode(token);
      if (suspects.has(nodeId)) return undefined;
      if (nodeId === this.#local?.nodeId) return { nodeId, address: "", pid: process.pid };
      const record = await this.#coordinator.node(nodeId);
      if (record !== undefined) return record;
    }
    const live = (await this.#coordinator.liveNodes()).filter((n) => !suspects.has(n.nodeId));
    if (live.length === 0) return undefined;
    const chosen = placement(actorId, live);
    return chosen.nodeId === this.#local?.nodeId ? { ...chosen, address: "" } : chosen;
  }

  async #route<T>(
    actorId: string,
    what: string,
    attempt: (node: NodeRecord) => Promise<Attempt<T>>,
  ): Promise<T> {
    if (this.#closed) throw new ActorError("driver_error", "the Redis driver is stopped");
    const deadline = Date.now() + this.failoverBoundMs;
    const suspects = new Set<string>();
    let last: unknown;
    for (;;) {
      const node = await this.#target(actorId, suspects);
      if (node !== undefined) {
        const outcome = await attempt(node);
        if ("done" in outcome) return outcome.done;
        if ("moved" in outcome) {
          suspects.delete(tokenNode(outcome.moved));
          continue;
        }
        last = outcome.unreachable;
        suspects.add(node.nodeId);
      }
      if (Date.now() >= deadline || this.#closed) {
        throw new ActorError(
          "driver_error",
          `${what} to actor ${actorId}: no node could serve it within ${this.failoverBoundMs} ms${last ? ` (${(last as Error).message})` : ""}`,
          { cause: last },
        );
      }
      await sleep(RETRY_DELAY_MS);
      // A node that refused may be back (a restart) or the lease may have moved: ask again.
      if (suspects.size > 0 && Date.now() + RETRY_DELAY_MS >= deadline) suspects.clear();
    }
  }

  /** HTTP to the actor router of `actorId` on its owner; the response streams (ROUTE-1, ROUTE-2). */
  fetch(actorId: string, request: Request): Promise<Response> {
    const body = new OnceBody(request.body);
    return this.#route<Response>(
      actorId,
      `${request.method} ${new URL(request.url).pathname}`,
      async (node) => {
        if (node.address === "") {
          // The body stays with this call's OnceBody, so a later attempt can still send it.
          const local = new Request(request.url, {
            method: request.method,
            headers: request.headers,
            body: body.webStream() ?? null,
            signal: request.signal,
            duplex: "half",
          } as RequestInit);
          const answer = await this.#local!.request(actorId, local);
          return answer instanceof Response ? { done: answer } : answer;
        }
        const headers: string[] = [URL_HEADER, request.url];
        for (const [name, value] of request.headers) {
          if (!HOP_BY_HOP.has(name)) headers.push(name, value);
        }
        try {
          const response = await undiciRequest(`${node.address}${this.#path(actorId, "http")}`, {
            method: request.method as "GET",
            headers,
            body: body.stream() as never,
            dispatcher: this.#agent,
            signal: request.signal,
            headersTimeout: 60_000,
            bodyTimeout: 0,
          });
          if (
            response.statusCode === 503 &&
            response.headers["x-driver-cert-redis-error"] === NOT_SERVING
          ) {
            response.body.resume();
            return {
              unreachable: Object.assign(new Error(`node ${node.nodeId} does not serve this run`), {
                code: NOT_SERVING,
              }),
            };
          }
          if (response.statusCode === 502 && response.headers[THROWN_HEADER] === "1") {
            return { done: await rethrow(response.body) };
          }
          const moved = response.headers[MOVED_HEADER];
          if (response.statusCode === 409 && typeof moved === "string") {
            response.body.resume();
            if (body.started)
              throw new ActorError(
                "driver_error",
                "the actor moved while its request body was sent",
              );
            return { moved };
          }
          return {
            done: responseFrom(
              response.statusCode,
              response.headers,
              response.body,
              request.method,
              () => this.#closed,
            ),
          };
        } catch (error) {
          if (!body.started && isUnreachable(error)) return { unreachable: error };
          throw error;
        }
      },
    );
  }

  /** A WebSocket to the actor on its owner, as the far end of `held` (ROUTE-3, ROUTE-5). */
  async #connect(actorId: string, request: Request): Promise<Link> {
    return this.#route<Link>(
      actorId,
      `WebSocket ${new URL(request.url).pathname}`,
      async (node) => {
        if (node.address === "") {
          const answer = await this.#local!.openWebSocket(actorId, request);
          return "moved" in answer ? answer : { done: { local: answer } };
        }
        const offered = (request.headers.get("sec-websocket-protocol") ?? "")
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean);
        const headers: Record<string, string> = { [URL_HEADER]: request.url };
        // The offered list exactly as written (ws re-joins it without spaces).
        const protocols = request.headers.get("sec-websocket-protocol");
        if (protocols !== null) headers[PROTOCOLS_HEADER] = protocols;
        for (const [name, value] of request.headers) {
          if (
            !name.startsWith("sec-websocket-") &&
            name !== "upgrade" &&
            name !== "connection" &&
            name !== "host"
          ) {
            headers[name] = value;
          }
        }
        const url = `${node.address.replace(/^http/, "ws")}${this.#path(actorId, "websocket")}`;
        return new Promise<Attempt<Link>>((resolve) => {
          const ws = new NodeWebSocket(url, offered, { headers, perMessageDeflate: false });
          ws.binaryType = "nodebuffer";
          // Listening from the start: the first frame may arrive with the handshake answer.
          const peer = nodePeer(ws);
          ws.once("open", () => {
            this.#sockets.add(ws);
            ws.once("close", () => this.#sockets.delete(ws));
            resolve({ done: { node: peer, protocol: ws.protocol } });
          });
          ws.once("unexpected-response", (_req, res) => {
            const moved = res.headers[MOVED_HEADER];
            res.resume();
            ws.terminate();
            if (res.statusCode === 409 && typeof moved === "string") resolve({ moved });
            else
              resolve({
                unreachable: new Error(`the owner node answered ${res.statusCode} to the upgrade`),
              });
          });
          ws.once("error", (error) => resolve({ unreachable: error }));
        });
      },
    );
  }

  /** Opens a socket to the actor; resolves it open (ROUTE-3). */
  async openWebSocket(actorId: string, request: Request): Promise<UniversalWebSocket> {
    const link = await this.#connect(actorId, request);
    if (link.local) return link.local;
    const [client, server] = createSocketPair({ protocol: link.protocol });
    holdSocket(server).attach(link.node);
    return client;
  }

  /** Bridges `socket` to the actor on its owner (ROUTE-5); frames sent meanwhile are held. */
  async proxyWebSocket(
    actorId: string,
    request: Request,
    socket: UniversalWebSocket,
  ): Promise<void> {
    const held = holdSocket(socket);
    let link: Link;
    try {
      link = await this.#connect(actorId, request);
    } catch (error) {
      held.fail(
        PEER_LOST_CODE,
        error instanceof Error ? error.message.slice(0, 120) : "unreachable",
      );
      throw error;
    }
    // The actor's socket on another node, or (this node owns it) the local host's pair end.
    held.attach(link.node ?? universalPeer(link.local));
  }

  /** Closes every connection to other nodes. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const ws of this.#sockets) ws.terminate();
    await this.#agent.destroy();
  }
}

/**
 * The ManagerDriver in the harness process: every call is a loopback HTTP request or WebSocket to
 * the Worker (wire.ts). Lookups and creation are decided inside workerd by the actor's own object;
 * requests and sockets reach the actor's router unchanged: bodies stream back as they are written
 * (ROUTE-2), frames keep their kind and order, and close codes and reasons cross both ways
 * (ROUTE-3, ROUTE-5).
 */
import type { Readable } from "node:stream";
import { getGlobalDispatcher } from "undici";
import { WebSocket } from "ws";
import {
  ActorError,
  type ActorOutput,
  type CreateActorInput,
  type ManagerDriver,
  type UniversalWebSocket,
} from "../../runtime/driver/index.ts";
import { bridgeSockets } from "./bridge.ts";
import {
  type CreateBody,
  namespacePath,
  REQUEST_ID_HEADER,
  ROUTER_THREW_HEADER,
  rawPathAndQuery,
  routePrefix,
  type ThrownValue,
  thawThrown,
  toBase64,
  wireError,
} from "./wire.ts";

/** Headers that describe one hop, never forwarded (RFC 9110 section 7.6.1), plus what fetch sets. */
const HOP_HEADERS = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
  "host",
  "content-length",
]);

/** What the manager needs: the Worker's URL, its namespace, and the runtime's initial bytes. */
export interface WorkersManagerOptions {
  /** The Worker's loopback URL (`http://127.0.0.1:<port>/`). */
  url: URL;
  namespace: string;
  createInitialPersistedData(input: unknown): Uint8Array;
  /** True once the driver stopped: every call then rejects `internal_error` (DRV-4). */
  stopped(): boolean;
}

function forwardedHeaders(headers: Headers, drop: (name: string) => boolean): Headers {
  const out = new Headers();
  for (const [name, value] of headers)
    if (!HOP_HEADERS.has(name) && !drop(name)) out.append(name, value);
  return out;
}

/**
 * A Web stream over a Node stream, read on demand: bytes pass as they arrive (ROUTE-2), and a
 * cancel destroys the source, which closes the connection so workerd sees the client leave.
 */
function webStream(source: Readable, onCancel: () => void): ReadableStream<Uint8Array> {
  // An abort after the answer (the client left) errors the source; pull() reports it if asked.
  source.on("error", () => {});
  const chunks = source[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const { value, done } = await chunks.next();
          if (done) controller.close();
          else controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
        } catch (error) {
          controller.error(error);
        }
      },
      cancel() {
        source.destroy();
        onCancel();
      },
    },
    { highWaterMark: 0 },
  );
}

/** The error a route answer marked with ROUTER_THREW_HEADER carries. */
async function routerThrew(body: Readable): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk as Buffer);
  const thrown = JSON.parse(Buffer.concat(chunks).toString("utf8")) as ThrownValue;
  return thawThrown(thrown);
}

/** Attempts of a lookup whose loopback connection was reset before any answer. */
const LOOKUP_ATTEMPTS = 3;

/**
 * True for a fetch that failed on its socket before any answer came: the keep-alive race in
 * which workerd closes an idle connection just as a request is written on it (undici's
 * `UND_ERR_SOCKET` "other side closed", `ECONNRESET`, `EPIPE`).
 */
function connectionReset(error: unknown): boolean {
  const cause = (error as { cause?: { code?: unknown } } | undefined)?.cause;
  return (
    error instanceof TypeError &&
    typeof cause?.code === "string" &&
    ["UND_ERR_SOCKET", "ECONNRESET", "EPIPE", "UND_ERR_CLOSED"].includes(cause.code)
  );
}

/**
 * Runs `call` (a lookup: a read the Worker may see twice without effect) again when its
 * connection was reset before an answer, at most LOOKUP_ATTEMPTS times; other failures and the
 * last reset reject as they are. Creation is never retried this way: a lost answer to a create
 * may have created the actor.
 */
async function withResetRetry(call: () => Promise<Response>): Promise<Response> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= LOOKUP_ATTEMPTS || !connectionReset(error)) throw error;
    }
  }
}

/** The manager of one driver start. */
export function createWorkersManager(options: WorkersManagerOptions): ManagerDriver {
  const { url, namespace } = options;
  const live = () => {
    if (options.stopped()) {
      throw new ActorError("internal_error", "the cloudflare-workers driver is stopped");
    }
  };

  const api = async (operation: string, body: unknown): Promise<Response> => {
    live();
    return fetch(new URL(`${namespacePath(namespace)}/${operation}`, url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  };

  const lookup = async (operation: string, body: unknown): Promise<ActorOutput | undefined> => {
    const response = await withResetRetry(() => api(operation, body));
    if (response.status === 404) {
      await response.body?.cancel();
      return undefined;
    }
    if (!response.ok) throw await wireError(response, operation);
    return (await response.json()) as ActorOutput;
  };

  const create = async (input: CreateActorInput, mode: CreateBody["mode"]) => {
    // Computed here, so an input that cannot be encoded creates nothing (MGR-6).
    const data = toBase64(options.createInitialPersistedData(input.input));
    const body: CreateBody = { name: input.name, key: input.key, data, mode };
    if (input.region !== undefined) body.region = input.region;
    const response = await api("create", body);
    if (!response.ok) throw await wireError(response, mode);
    return (await response.json()) as ActorOutput;
  };

  const routeUrl = (actorId: string, request: Request, scheme: "http" | "ws") => {
    const target = new URL(`${routePrefix(namespace, actorId)}`, url);
    const base = `${scheme}://${target.host}${target.pathname}`;
    return base + rawPathAndQuery(request.url);
  };

  // undici's request(), not fetch(): fetch would decode a content-encoding the actor chose and
  // still pass its header on, and would follow redirects; the response must cross as it is.
  const send = async (actorId: string, request: Request): Promise<Response> => {
    live();
    const hasBody = request.body !== null && request.method !== "GET" && request.method !== "HEAD";
    const requestId = crypto.randomUUID();
    const headers: string[] = [REQUEST_ID_HEADER, requestId];
    for (const [name, value] of forwardedHeaders(request.headers, () => false)) {
      headers.push(name, value);
    }
    // The path goes as a string, so a lone "?" and every percent-escape stay (ROUTE-6).
    const answer = await getGlobalDispatcher().request({
      origin: url.origin,
      path: `${routePrefix(namespace, actorId)}${rawPathAndQuery(request.url)}`,
      method: request.method as "GET",
      headers,
      body: hasBody ? Buffer.from(await request.arrayBuffer()) : null,
      signal: request.signal,
    });
    if (answer.headers[ROUTER_THREW_HEADER] !== undefined) {
      // The actor router threw instead of answering: reject as the router did (see route.ts).
      throw await routerThrew(answer.body);
    }
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      for (const one of Array.isArray(value) ? value : [value ?? ""])
        responseHeaders.append(name, one);
    }
    const empty = request.method === "HEAD" || [204, 205, 304].includes(answer.statusCode);
    if (empty) answer.body.resume();
    // The client left: tell the actor's object, since workerd will not (see worker/route.ts).
    const left = () => {
      const path = `${namespacePath(namespace)}/actors/${encodeURIComponent(actorId)}/abort`;
      fetch(new URL(path, url), { method: "POST", body: requestId })
        .then((r) => r.body?.cancel())
        .catch(() => {});
    };
    request.signal.addEventListener("abort", left, { once: true });
    const body = empty ? null : webStream(answer.body, left);
    return new Response(body, { status: answer.statusCode, headers: responseHeaders });
  };

  const open = (actorId: string, request: Request): Promise<UniversalWebSocket> => {
    live();
    const offered = (request.headers.get("sec-websocket-protocol") ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p !== "");
    const headers: Record<string, string> = {};
    for (const [name, value] of forwardedHeaders(request.headers, (n) =>
      n.startsWith("sec-websocket-"),
    )) {
      headers[name] = value;
    }
    const raw = request.headers.get("sec-websocket-protocol");
    const ws = new WebSocket(routeUrl(actorId, request, "ws"), offered, {
      headers,
      // ws joins the offer with ","; the actor must see the header exactly as the client sent it.
      finishRequest: (req: { setHeader(n: string, v: string): void; end(): void }) => {
        if (raw !== null) req.setHeader("Sec-WebSocket-Protocol", raw);
        req.end();
      },
    } as ConstructorParameters<typeof WebSocket>[2]);
    ws.binaryType = "arraybuffer";
    return new Promise((resolve, reject) => {
      const fail = (error: Error) => {
        ws.removeAllListeners("open");
        reject(error);
      };
      ws.once("open", () => {
        ws.removeListener("error", fail);
        resolve(ws as unknown as UniversalWebSocket);
      });
      ws.once("error", fail);
      ws.once("unexpected-response", (_req, res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          fail(
            new ActorError(
              "internal_error",
              `WebSocket to actor ${actorId} refused with HTTP ${res.statusCode}: ${text}`,
            ),
          );
        });
      });
    });
  };

  return {
    getForId: ({ actorId }) => lookup("get-for-id", { actorId }),
    getWithKey: ({ name, key }) => lookup("get-with-key", { name, key }),
    getOrCreateWithKey: (input) => create(input, "get-or-create"),
    createActor: (input) => create(input, "create"),
    sendRequest: send,
    proxyRequest: send,
    openWebSocket: async (actorId, request) => open(actorId, request),
    proxyWebSocket: async (actorId, request, socket) =>
      bridgeSockets(
        socket,
        Promise.resolve().then(() => open(actorId, request)),
      ),
  };
}

/**
 * The actor router: the internal HTTP and WebSocket endpoints of one actor host
 * (docs/protocol.md, "Actor routes"). Requests arrive at URL host `actor`; the actor id travels
 * beside them. Every error becomes `{ code, message, metadata? }` in the request's encoding.
 */
import { Hono } from "hono";
import { ActorError, connectionNotFound } from "../actor/errors.ts";
import type { ActorInstanceHost } from "../actor/host-interface.ts";
import { decodeAuthData } from "../protocol/auth-data.ts";
import { readBodyWithin } from "../protocol/body-reader.ts";
import { parseEncoding } from "../protocol/encoding.ts";
import {
  HEADER_AUTH_DATA,
  HEADER_CONN_ID,
  HEADER_CONN_PARAMS,
  HEADER_CONN_TOKEN,
  HEADER_ENCODING,
  HEADER_EXPOSE_ERRORS,
  stripInternalHeaders,
} from "../protocol/headers.ts";
import { decodeBody, encodeBody, errorResponse } from "../protocol/http-body.ts";
import { MAX_MESSAGE_BYTES, MAX_RAW_HTTP_BODY_BYTES } from "../protocol/limits.ts";
import { decodeToServer } from "../protocol/message-codec.ts";
import type { Encoding } from "../protocol/messages.ts";
import { parseConnParams } from "../protocol/query.ts";
import { handleConnectWebSocket, handleRawWebSocket } from "./actor-websocket.ts";
import { SseTransport } from "./connection-transports.ts";
import { exactRawUrl, requestWithExactUrl, splitUrl, subpathAfter } from "./raw-url.ts";
import type { UniversalWebSocket } from "./universal-websocket.ts";
import { failWebSocketSetup } from "./websocket-errors.ts";

/** Options of `createActorRouter`. */
export interface ActorRouterOptions {
  /** The started instance of `actorId`; rejects `actor_not_found` for an unknown id. */
  loadActor(actorId: string): Promise<ActorInstanceHost>;
  /**
   * Optional: the instance of `actorId` if it is running (or starting), without starting it;
   * `undefined` otherwise. Connection messages use it: connections live only on a running
   * actor, so a message for a stopped or unknown actor is `conn_not_found` and starts nothing.
   * Absent, connection messages load the actor like every other route.
   */
  runningActor?(actorId: string): Promise<ActorInstanceHost> | undefined;
}

/** The actor router of one host. Neither method rejects: errors become responses or closes. */
export interface ActorRouter {
  /** Handles `POST /action/:name`, `GET /connect/sse`, `POST /connections/message`, `/raw/http/*`. */
  fetch(request: Request, actorId: string): Promise<Response>;
  /** Handles an open socket on `/connect/websocket` or `/raw/websocket/*`; resolves after setup. */
  handleWebSocket(request: Request, socket: UniversalWebSocket, actorId: string): Promise<void>;
}

type Env = { Bindings: { actorId: string } };

/** True when the caller asked for unmasked internal errors (the inline client; ERR-4). */
function exposes(request: Request): boolean {
  return request.headers.get(HEADER_EXPOSE_ERRORS) === "1";
}

/** The request's encoding when it names a valid one, for encoding error responses. */
function encodingOrUndefined(request: Request): Encoding | undefined {
  const value = request.headers.get(HEADER_ENCODING);
  return value === "json" || value === "cbor" ? value : undefined;
}

function encoded(value: unknown, encoding: Encoding, status = 200): Response {
  const { body, contentType } = encodeBody(value, encoding);
  return new Response(body as BodyInit, { status, headers: { "content-type": contentType } });
}

function requiredHeader(request: Request, name: string): string {
  const value = request.headers.get(name);
  if (value === null || value === "") {
    throw new ActorError("invalid_request", `the ${name} header is required`);
  }
  return value;
}

/** Reads `{ args: [...] }` from an action body; `malformed_message` for any other shape. */
function actionArgs(value: unknown): unknown[] {
  const args =
    typeof value === "object" && value !== null ? (value as { args?: unknown }).args : undefined;
  if (!Array.isArray(args)) {
    throw new ActorError("malformed_message", "an action body must be { args: [...] }");
  }
  return args;
}

/**
 * Builds the actor router around `loadActor`.
 *
 * @example
 * const router = createActorRouter({ loadActor: (id) => host.loadActor(id) });
 * const res = await router.fetch(new Request("http://actor/action/increment", init), actorId);
 */
export function createActorRouter(options: ActorRouterOptions): ActorRouter {
  const { loadActor } = options;
  const app = new Hono<Env>();

  app.post("/action/:name", async (c) => {
    const request = c.req.raw;
    const encoding = parseEncoding(request.headers.get(HEADER_ENCODING));
    const params = parseConnParams(request.headers.get(HEADER_CONN_PARAMS));
    const authData = decodeAuthData(request.headers.get(HEADER_AUTH_DATA));
    const body = await readBodyWithin(request, MAX_MESSAGE_BYTES, "action body");
    const args = actionArgs(decodeBody(body, encoding));
    const actor = await loadActor(c.env.actorId);
    const output = await actor.runStatelessAction(c.req.param("name"), args, {
      params,
      authData,
      request,
    });
    return encoded({ output }, encoding);
  });

  app.get("/connect/sse", async (c) => {
    const request = c.req.raw;
    const encoding = parseEncoding(request.headers.get(HEADER_ENCODING));
    const params = parseConnParams(request.headers.get(HEADER_CONN_PARAMS));
    const authData = decodeAuthData(request.headers.get(HEADER_AUTH_DATA));
    const actor = await loadActor(c.env.actorId);
    let connectionId: string | undefined;
    let closed = false;
    const release = () => {
      if (closed || connectionId === undefined) return;
      closed = true;
      const id = connectionId;
      actor.closeConnection(id).catch((error) => {
        console.error(`closing connection ${id} of actor ${actor.actorId} failed`, error);
      });
    };
    const transport = new SseTransport(encoding, release);
    request.signal.addEventListener("abort", () => transport.close(), { once: true });
    try {
      connectionId = (await actor.connect({ params, authData, request, transport })).id;
    } catch (error) {
      transport.close();
      throw error;
    }
    // The server may have ended the connection while it opened (onConnect disconnecting).
    if (transport.ended) release();
    return new Response(transport.stream, {
      headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
    });
  });

  app.post("/connections/message", async (c) => {
    const request = c.req.raw;
    const encoding = parseEncoding(request.headers.get(HEADER_ENCODING));
    const connectionId = requiredHeader(request, HEADER_CONN_ID);
    const token = requiredHeader(request, HEADER_CONN_TOKEN);
    const running = options.runningActor
      ? options.runningActor(c.env.actorId)
      : loadActor(c.env.actorId);
    const actor = await running?.catch((error: unknown) => {
      if (error instanceof ActorError && error.code === "actor_not_found") return undefined;
      throw error;
    });
    if (actor === undefined) throw connectionNotFound(connectionId);
    // The token is the credential: check it before looking at the body (CONN-10).
    const connection = actor.authorizeConnection(connectionId, token);
    const body = await readBodyWithin(request, MAX_MESSAGE_BYTES, "connection message");
    const message = decodeToServer(new Uint8Array(body), encoding);
    await actor.handleMessage(connection.id, message);
    return encoded({}, encoding);
  });

  const rawHttp = async (request: Request, actorId: string): Promise<Response> => {
    const authData = decodeAuthData(request.headers.get(HEADER_AUTH_DATA));
    const url = exactRawUrl(request, "/raw/http");
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    const actorRequest = requestWithExactUrl(url, {
      method: request.method,
      headers: stripInternalHeaders(request.headers),
      body: hasBody
        ? await readBodyWithin(request, MAX_RAW_HTTP_BODY_BYTES, "raw HTTP body")
        : null,
      signal: request.signal,
    });
    const actor = await loadActor(actorId);
    return actor.handleFetch(actorRequest, authData);
  };
  app.all("/raw/http", (c) => rawHttp(c.req.raw, c.env.actorId));
  app.all("/raw/http/*", (c) => rawHttp(c.req.raw, c.env.actorId));

  app.notFound((c) =>
    errorResponse(
      new ActorError("invalid_request", `no actor route ${c.req.method} ${c.req.path}`, {
        status: 404,
      }),
      encodingOrUndefined(c.req.raw),
      false,
    ),
  );
  app.onError((error, c) => {
    const expose = exposes(c.req.raw);
    if (!(error instanceof ActorError)) console.error("actor router error", error);
    return errorResponse(error, encodingOrUndefined(c.req.raw), expose);
  });

  return {
    async fetch(request, actorId) {
      try {
        return await app.fetch(request, { actorId });
      } catch (error) {
        // Hono hands only Error instances to onError; actor code may throw anything. It is the
        // actor's failure, answered here, never the driver's (ERR-1).
        console.error(`actor ${actorId} failed with a non-Error value`, error);
        return errorResponse(error, encodingOrUndefined(request), exposes(request));
      }
    },
    async handleWebSocket(request, socket, actorId) {
      const exposeInternal = exposes(request);
      const ctx = { request, socket, actorId, exposeInternal, loadActor };
      const { pathname } = splitUrl(request.url);
      if (pathname === "/connect/websocket") return handleConnectWebSocket(ctx);
      if (subpathAfter(pathname, "/raw/websocket") !== undefined) return handleRawWebSocket(ctx);
      const notFound = new ActorError("invalid_request", `no actor WebSocket route ${pathname}`, {
        status: 404,
      });
      failWebSocketSetup(socket, notFound, encodingOrUndefined(request), exposeInternal);
    },
  };
}

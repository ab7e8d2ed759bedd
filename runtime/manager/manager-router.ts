/**
 * The manager router: the public HTTP and WebSocket routes of docs/protocol.md ("Manager
 * routes"). It validates every header before a driver is called, runs onAuth, rebuilds a clean
 * request for the actor router and forwards it through the ManagerDriver.
 */
import { Hono } from "hono";
import { ActorError, connectionNotFound } from "../actor/errors.ts";
import type { Registry } from "../actor/registry.ts";
import type { ManagerDriver } from "../driver/manager-driver.ts";
import { readBodyWithin } from "../protocol/body-reader.ts";
import { parseEncoding } from "../protocol/encoding.ts";
import {
  checkProtocolVersion,
  HEADER_ACTOR_ID,
  HEADER_CONN_ID,
  HEADER_CONN_PARAMS,
  HEADER_CONN_TOKEN,
  HEADER_ENCODING,
  HEADER_PROTOCOL_VERSION,
  HEADER_QUERY,
  stripInternalHeaders,
} from "../protocol/headers.ts";
import { encodeBody, errorResponse } from "../protocol/http-body.ts";
import { MAX_MESSAGE_BYTES, MAX_RAW_HTTP_BODY_BYTES } from "../protocol/limits.ts";
import type { Encoding } from "../protocol/messages.ts";
import { parseConnParams, parseQuery } from "../protocol/query.ts";
import {
  resolveSubpath,
  splitTarget,
  splitUrl,
  subpathAfter,
  withRawPath,
} from "../routing/raw-url.ts";
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";
import { passGate, setAuthData } from "./gate.ts";
import { handleManagerWebSocket } from "./manager-websocket.ts";
import { callDriver, lookupById } from "./resolve.ts";

/** Options of `createManagerRouter`. */
export interface ManagerRouterOptions {
  registry: Registry;
  manager: ManagerDriver;
}

/** The public router. Neither method rejects: errors become responses or closes. */
export interface ManagerRouter {
  /**
   * Every HTTP route of docs/protocol.md, "Manager routes". `target` is the request target as
   * the server received it (`/actors/raw/http/a/%2e%2e/b?x`), when the server knows it: the
   * route is then taken from it, and raw routes keep its dot segments, which `request.url`
   * has lost to URL parsing (ROUTE-6).
   */
  fetch(request: Request, target?: string): Promise<Response>;
  /** An accepted socket on `/actors/connect/websocket` or `/actors/raw/websocket/*`; `target` as for fetch. */
  handleWebSocket(request: Request, socket: UniversalWebSocket, target?: string): Promise<void>;
}

function encodingOrUndefined(request: Request): Encoding | undefined {
  const value = request.headers.get(HEADER_ENCODING);
  return value === "json" || value === "cbor" ? value : undefined;
}

function requiredHeader(request: Request, name: string): string {
  const value = request.headers.get(name);
  if (value === null || value === "") {
    throw new ActorError("invalid_request", `the ${name} header is required`);
  }
  return value;
}

/** A request target's path and query string, as `splitTarget` gives them. */
type RawTarget = { pathname: string; search: string };

function noRoute(method: string, path: string): ActorError {
  return new ActorError("invalid_request", `no route ${method} ${path}`, { status: 404 });
}

function encoded(value: unknown, encoding: Encoding): Response {
  const { body, contentType } = encodeBody(value, encoding);
  return new Response(body as BodyInit, { headers: { "content-type": contentType } });
}

/** The documented headers of a structured route, and nothing else. */
function structuredHeaders(request: Request, encoding: Encoding, authData: unknown): Headers {
  const headers = new Headers({ [HEADER_ENCODING]: encoding });
  const params = request.headers.get(HEADER_CONN_PARAMS);
  if (params !== null && params !== "") headers.set(HEADER_CONN_PARAMS, params);
  return setAuthData(headers, authData);
}

/**
 * Builds the manager router over a driver.
 *
 * @example
 * const router = createManagerRouter({ registry, manager: driver.manager });
 * const res = await router.fetch(new Request("http://127.0.0.1/health"));
 */
export function createManagerRouter(options: ManagerRouterOptions): ManagerRouter {
  const { registry, manager } = options;
  const app = new Hono<{ Bindings: { raw?: RawTarget } }>();

  /** Headers every structured route reads: protocol version, encoding, query, params. */
  const readStructured = (request: Request) => {
    checkProtocolVersion(request.headers.get(HEADER_PROTOCOL_VERSION));
    const encoding = parseEncoding(request.headers.get(HEADER_ENCODING));
    // A `$cbor` input is decoded by the gate after onAuth, never for an anonymous caller.
    const query = parseQuery(request.headers.get(HEADER_QUERY), { decodeInput: false });
    const params = parseConnParams(request.headers.get(HEADER_CONN_PARAMS));
    return { encoding, query, params };
  };

  app.get("/health", (c) => c.text("ok"));

  app.post("/actors/resolve", async (c) => {
    const request = c.req.raw;
    const { encoding, query, params } = readStructured(request);
    const { actor } = await passGate(registry, manager, {
      query,
      route: undefined,
      request,
      params,
    });
    return encoded({ actorId: actor.actorId }, encoding);
  });

  app.post("/actors/actions/:name", async (c) => {
    const request = c.req.raw;
    const { encoding, query, params } = readStructured(request);
    // Counted while it streams in, before onAuth: an anonymous 100 MB body costs 64 KiB (ERR-5).
    const body = await readBodyWithin(request, MAX_MESSAGE_BYTES, "action body");
    const gate = { query, route: "action" as const, request, body, params };
    const { actor, authData } = await passGate(registry, manager, gate);
    const forward = new Request(`http://actor/action/${encodeURIComponent(c.req.param("name"))}`, {
      method: "POST",
      headers: structuredHeaders(request, encoding, authData),
      body,
    });
    return callDriver("proxyRequest", () => manager.proxyRequest(actor.actorId, forward));
  });

  app.get("/actors/connect/sse", async (c) => {
    const request = c.req.raw;
    const { encoding, query, params } = readStructured(request);
    const gate = { query, route: "connect" as const, request, params };
    const { actor, authData } = await passGate(registry, manager, gate);
    const forward = new Request("http://actor/connect/sse", {
      headers: structuredHeaders(request, encoding, authData),
      // The client going away must end the actor's stream too (CONN-9).
      signal: request.signal,
    });
    return callDriver("proxyRequest", () => manager.proxyRequest(actor.actorId, forward));
  });

  app.post("/actors/connections/message", async (c) => {
    const request = c.req.raw;
    checkProtocolVersion(request.headers.get(HEADER_PROTOCOL_VERSION));
    const encoding = parseEncoding(request.headers.get(HEADER_ENCODING));
    const actorId = requiredHeader(request, HEADER_ACTOR_ID);
    const connectionId = requiredHeader(request, HEADER_CONN_ID);
    const token = requiredHeader(request, HEADER_CONN_TOKEN);
    const body = await readBodyWithin(request, MAX_MESSAGE_BYTES, "connection message");
    // The connection token is the credential here; the actor checks it (CONN-10). An unknown
    // actor id answers exactly like an unknown connection, so ids cannot be probed.
    try {
      await lookupById(manager, actorId);
    } catch (error) {
      if (error instanceof ActorError && error.code === "actor_not_found") {
        throw connectionNotFound(connectionId);
      }
      throw error;
    }
    const forward = new Request("http://actor/connections/message", {
      method: "POST",
      headers: {
        [HEADER_ENCODING]: encoding,
        [HEADER_CONN_ID]: connectionId,
        [HEADER_CONN_TOKEN]: token,
      },
      body,
    });
    return callDriver("proxyRequest", () => manager.proxyRequest(actorId, forward));
  });

  /** Raw HTTP; `raw` is the request target's path and query when the server gave them. */
  const rawHttp = async (request: Request, raw?: RawTarget): Promise<Response> => {
    const { pathname, search } = raw ?? splitUrl(request.url);
    const sub = subpathAfter(pathname, "/actors/raw/http");
    if (sub === undefined) throw noRoute(request.method, pathname);
    checkProtocolVersion(request.headers.get(HEADER_PROTOCOL_VERSION));
    const query = parseQuery(request.headers.get(HEADER_QUERY), { decodeInput: false });
    const params = parseConnParams(request.headers.get(HEADER_CONN_PARAMS));
    const hasBody = request.method !== "GET" && request.method !== "HEAD";
    const body = hasBody
      ? await readBodyWithin(request, MAX_RAW_HTTP_BODY_BYTES, "raw HTTP body")
      : undefined;
    const gate = { query, route: "action" as const, request, body, params };
    const { actor, authData } = await passGate(registry, manager, gate);
    // The client's own headers go through, less every internal one (AUTH-5, RAWHTTP-1).
    const forward = new Request(`http://actor/raw/http${resolveSubpath(sub)}${search}`, {
      method: request.method,
      headers: withRawPath(
        setAuthData(stripInternalHeaders(request.headers), authData),
        sub,
        search,
      ),
      body: body ?? null,
      signal: request.signal,
    });
    return callDriver("proxyRequest", () => manager.proxyRequest(actor.actorId, forward));
  };
  // Reached only without a request target: with one, fetch() routes raw HTTP by it.
  app.all("/actors/raw/http", (c) => rawHttp(c.req.raw, c.env?.raw));
  app.all("/actors/raw/http/*", (c) => rawHttp(c.req.raw, c.env?.raw));

  const upgradeOnly = () => {
    throw new ActorError("invalid_request", "this route expects a WebSocket upgrade", {
      status: 426,
    });
  };
  app.all("/actors/connect/websocket", upgradeOnly);
  app.all("/actors/raw/websocket", upgradeOnly);
  app.all("/actors/raw/websocket/*", upgradeOnly);

  app.notFound((c) =>
    errorResponse(noRoute(c.req.method, c.req.path), encodingOrUndefined(c.req.raw), false),
  );
  app.onError((error, c) => {
    if (!(error instanceof ActorError)) console.error("manager router error", error);
    return errorResponse(error, encodingOrUndefined(c.req.raw), false);
  });

  return {
    async fetch(request, target) {
      const raw = target === undefined ? undefined : splitTarget(target);
      try {
        // The route comes from the path the client sent, before URL parsing resolved it.
        if (raw !== undefined && subpathAfter(raw.pathname, "/actors/raw/http") !== undefined) {
          return await rawHttp(request, raw);
        }
        return await app.fetch(request, { raw });
      } catch (error) {
        // Hono hands only Error instances to onError; a hook (onAuth) may throw anything.
        if (!(error instanceof ActorError)) console.error("manager router error", error);
        return errorResponse(error, encodingOrUndefined(request), false);
      }
    },
    handleWebSocket(request, socket, target) {
      return handleManagerWebSocket({ registry, manager, request, socket, target });
    },
  };
}

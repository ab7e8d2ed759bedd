/**
 * The inline client driver: the client API in process, over a ManagerDriver's `sendRequest` and
 * `openWebSocket` only. Queries are resolved by calling the manager driver directly, with the
 * manager router's error codes; there is no onAuth (AUTH-6), and internal error messages are
 * shown (ERR-4). Actors get this client from `c.client()` (INLINE-1..INLINE-3).
 */
import type { Registry } from "../actor/registry.ts";
import type { ManagerDriver } from "../driver/manager-driver.ts";
import { resolveQuery } from "../manager/resolve.ts";
import { contentTypeFor, encodeValue } from "../protocol/encoding.ts";
import {
  HEADER_CONN_ID,
  HEADER_CONN_PARAMS,
  HEADER_CONN_TOKEN,
  HEADER_ENCODING,
  HEADER_EXPOSE_ERRORS,
} from "../protocol/headers.ts";
import { errorResponse } from "../protocol/http-body.ts";
import { encodeToServer } from "../protocol/message-codec.ts";
import type { Encoding } from "../protocol/messages.ts";
import { type ActorQuery, serializeConnParams, validateKey } from "../protocol/query.ts";
import { SUBPROTOCOL_MARKER } from "../protocol/subprotocols.ts";
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";
import type { ClientDriver } from "./client-driver.ts";
import { toClientError } from "./errors.ts";
import { openEventStream } from "./event-stream.ts";
import { errorFromResponse, field, readResponse } from "./response-reader.ts";
import { asSentByFetch, combineSignals, joinSubpath } from "./sockets.ts";

/** The part of a registry the inline client reads: the actor definitions by name. */
export interface InlineRegistry {
  actors: Record<string, unknown>;
}

/** The URL host the actor router answers on (docs/protocol.md, "Two routers"). */
const ACTOR_ORIGIN = "http://actor";

/**
 * Resolves a query against the manager driver with the manager router's own resolution, so the
 * errors are the same: `actor_not_found` for an unknown name or a missing actor, `invalid_key`
 * for a bad key, `actor_already_exists` from `createActor`, `driver_error` (message shown, ERR-4)
 * when a driver method throws something else (MGR-1..MGR-5, KEY-1..KEY-4). Rejects with a
 * ClientActorError.
 */
export async function resolveInline(
  manager: ManagerDriver,
  registry: InlineRegistry,
  query: ActorQuery,
): Promise<string> {
  try {
    // The public path validates keys while parsing the query header; do the same here.
    if (!("getForId" in query)) validateKey(Object.values(query)[0].key);
    const found = await resolveQuery(registry as Registry, manager, query);
    return found.actorId;
  } catch (error) {
    throw toClientError(error);
  }
}

/** Headers every inline request to an actor carries. */
function inlineHeaders(encoding: Encoding | undefined, params: unknown): Headers {
  const headers = new Headers({ [HEADER_EXPOSE_ERRORS]: "1" });
  if (encoding !== undefined) headers.set(HEADER_ENCODING, encoding);
  const json = serializeConnParams(params);
  if (json !== undefined) headers.set(HEADER_CONN_PARAMS, json);
  return headers;
}

/**
 * Rejects with the signal's reason if it aborts first; the work itself cannot be cancelled, so a
 * value it yields afterwards goes to `discard` (a late socket is closed, not leaked).
 */
function raceSignal<T>(
  work: Promise<T>,
  signal: AbortSignal | undefined,
  discard?: (late: T) => void,
): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        if (signal.aborted) discard?.(value);
        else resolve(value);
      },
      (error) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}

/** Releases the body of a response that arrived after its caller gave up. */
function cancelLate(response: Response): void {
  response.body?.cancel().catch(() => undefined);
}

/** Closes a socket that arrived after its caller gave up. */
function closeLate(socket: UniversalWebSocket): void {
  socket.close(1000, "the caller gave up before the socket opened");
}

/**
 * Creates the inline ClientDriver over `manager`, for the actors of `registry` (unknown names
 * fail with `actor_not_found` before the driver is asked). Every method rejects with a
 * ClientActorError; driver failures keep their ActorError code, anything else is
 * `internal_error` with its message (ERR-4).
 */
export function createInlineClientDriver(
  manager: ManagerDriver,
  registry: InlineRegistry,
): ClientDriver {
  const send = async (actorId: string, request: Request): Promise<Response> => {
    try {
      return await manager.sendRequest(actorId, request);
    } catch (error) {
      throw toClientError(error);
    }
  };

  const openSocket = async (actorId: string, request: Request): Promise<UniversalWebSocket> => {
    try {
      return await manager.openWebSocket(actorId, request);
    } catch (error) {
      throw toClientError(error);
    }
  };

  return {
    kind: "inline",

    resolve: (query, { signal }) => raceSignal(resolveInline(manager, registry, query), signal),

    async action(query, name, args, { encoding, params, signal }) {
      const actorId = await raceSignal(resolveInline(manager, registry, query), signal);
      const headers = inlineHeaders(encoding, params);
      headers.set("content-type", contentTypeFor(encoding));
      const request = new Request(`${ACTOR_ORIGIN}/action/${encodeURIComponent(name)}`, {
        method: "POST",
        headers,
        body: encodeValue({ args }, encoding) as BodyInit,
        signal,
      });
      const response = await raceSignal(send(actorId, request), signal, cancelLate);
      return field(await readResponse(response, encoding), "output", false);
    },

    async rawFetch(query, path, init, { params, signal }) {
      let actorId: string;
      try {
        actorId = await raceSignal(resolveInline(manager, registry, query), signal);
      } catch (error) {
        if (signal?.aborted) throw error;
        // Raw fetch answers with a Response, never a throw, as the manager router would.
        return errorResponse(error, "json", true);
      }
      const headers = new Headers(init.headers);
      for (const [name, value] of inlineHeaders(undefined, params)) headers.set(name, value);
      const withBody = init.body !== undefined && init.body !== null;
      const url = asSentByFetch(`${ACTOR_ORIGIN}${joinSubpath("/raw/http", path)}`);
      const request = new Request(url, {
        ...init,
        headers,
        signal: combineSignals(init.signal ?? undefined, signal),
        ...(withBody ? { duplex: "half" } : {}),
      } as RequestInit);
      return raceSignal(send(actorId, request), signal, cancelLate);
    },

    async rawWebSocket(query, path, protocols, { params, signal }) {
      const actorId = await raceSignal(resolveInline(manager, registry, query), signal);
      const headers = inlineHeaders(undefined, params);
      if (protocols.length > 0) headers.set("sec-websocket-protocol", protocols.join(", "));
      const url = asSentByFetch(`${ACTOR_ORIGIN}${joinSubpath("/raw/websocket", path)}`);
      const request = new Request(url, { headers });
      return raceSignal(openSocket(actorId, request), signal, closeLate);
    },

    async connectWebSocket(query, { encoding, params, signal }) {
      const actorId = await raceSignal(resolveInline(manager, registry, query), signal);
      const headers = inlineHeaders(encoding, params);
      headers.set("sec-websocket-protocol", SUBPROTOCOL_MARKER);
      const request = new Request(`${ACTOR_ORIGIN}/connect/websocket`, { headers });
      return raceSignal(openSocket(actorId, request), signal, closeLate);
    },

    async connectSse(query, { encoding, params, signal }, handlers) {
      const actorId = await raceSignal(resolveInline(manager, registry, query), signal);
      const headers: Record<string, string> = {};
      for (const [name, value] of inlineHeaders(encoding, params)) headers[name] = value;
      // A real event stream read from sendRequest's streamed body (INLINE-3): a driver that
      // buffers bodies never opens it, and the connection's connect timeout reports that.
      return openEventStream({
        url: `${ACTOR_ORIGIN}/connect/sse`,
        headers,
        fetch: (url, init) => {
          const request = new Request(url, { headers: init.headers, signal: init.signal });
          // A Request follows `init.signal` only through a weak reference: held by nothing
          // else, it can be collected and closing the stream would never reach the actor
          // (its connection would stay open). The listener keeps it alive while it matters.
          init.signal?.addEventListener("abort", () => request.signal, { once: true });
          return send(actorId, request);
        },
        encoding,
        handlers,
        signal,
      });
    },

    async sendConnectionMessage(actorId, connectionId, token, message, { encoding, signal }) {
      const headers = inlineHeaders(encoding, undefined);
      headers.set(HEADER_CONN_ID, connectionId);
      headers.set(HEADER_CONN_TOKEN, token);
      headers.set("content-type", contentTypeFor(encoding));
      const request = new Request(`${ACTOR_ORIGIN}/connections/message`, {
        method: "POST",
        headers,
        body: encodeToServer(message, encoding) as BodyInit,
        signal,
      });
      const response = await raceSignal(send(actorId, request), signal, cancelLate);
      if (!response.ok) throw await errorFromResponse(response, encoding);
      await response.body?.cancel();
    },
  } satisfies ClientDriver;
}

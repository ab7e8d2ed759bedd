/**
 * `/ns/<ns>/actors/<id>/route/<path>`: one request to an actor's router, inside workerd. The path
 * and query after `/route` reach the router byte for byte (ROUTE-6); a WebSocket upgrade becomes
 * a WebSocketPair whose server end the router gets (ROUTE-3, ROUTE-5).
 */
import type { LocalActorHost } from "../../../runtime/driver/index.ts";
import { REQUEST_ID_HEADER, rawPathAndQuery, routerThrewResponse } from "../wire.ts";
import type { WorkerParts } from "./parts.ts";
import { newWebSocketPair, upgradeResponse } from "./platform.ts";

/** Where a routed request goes: a local actor host and the parts its sockets are accepted with. */
export interface RouteTarget {
  host: LocalActorHost;
  parts: WorkerParts;
  /**
   * Requests whose answer is still streaming, by the id the manager gave them: `abortRequest`
   * aborts one. workerd does not carry a client's disconnect across to a Durable Object (neither
   * as a cancel of the answer's stream nor as an abort of the request's signal), so the manager
   * says it instead, and the actor router sees its request's signal abort (SSE, CONN-9).
   */
  inflight?: Map<string, AbortController>;
}

/** The namespace, actor id and actor router path of a route URL, or undefined. */
export function parseRoute(
  url: string,
): { namespace: string; actorId: string; path: string } | undefined {
  const raw = rawPathAndQuery(url);
  const match = /^\/ns\/([^/?]+)\/actors\/([^/?]+)\/route(?=[/?]|$)/.exec(raw);
  if (!match) return undefined;
  try {
    return {
      namespace: decodeURIComponent(match[1]),
      actorId: decodeURIComponent(match[2]),
      path: raw.slice(match[0].length) || "/",
    };
  } catch {
    return undefined;
  }
}

/** The subprotocols a client offered, and the one to select: `actor.v1` if offered, else the first. */
function selectProtocol(header: string | null): string {
  const offered = (header ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
  return offered.includes("actor.v1") ? "actor.v1" : (offered[0] ?? "");
}

/**
 * Hands a route request to the actor router of `targetFor(namespace)` (or answers the Response
 * it gives instead). Answers 404 for a URL that is no route.
 */
export async function handleActorRoute(
  request: Request,
  targetFor: (namespace: string) => RouteTarget | Response,
): Promise<Response> {
  const route = parseRoute(request.url);
  if (route === undefined) return new Response("not a route of this Worker", { status: 404 });
  const target = targetFor(route.namespace);
  if (target instanceof Response) return target;
  const { host, parts } = target;
  const headers = new Headers(request.headers);
  const requestId = headers.get(REQUEST_ID_HEADER);
  headers.delete(REQUEST_ID_HEADER);
  const isUpgrade = headers.get("upgrade")?.toLowerCase() === "websocket";
  const abort = new AbortController();
  request.signal.addEventListener("abort", () => abort.abort(request.signal.reason));
  const actorRequest = new Request(`http://actor${route.path}`, {
    method: request.method,
    headers,
    body: request.body,
    signal: abort.signal,
  });
  if (!isUpgrade) {
    let response: Response;
    try {
      response = await host.sendRequest(route.actorId, actorRequest);
    } catch (thrown) {
      return routerThrewResponse(thrown);
    }
    const { inflight } = target;
    if (requestId === null || inflight === undefined || response.body === null) return response;
    inflight.set(requestId, abort);
    const forget = () => inflight.delete(requestId);
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    response.body.pipeTo(writable).then(forget, forget);
    abort.signal.addEventListener("abort", forget);
    return new Response(readable, response);
  }
  const protocol = selectProtocol(headers.get("sec-websocket-protocol"));
  const [client, server] = newWebSocketPair();
  const socket = parts.acceptSocket(server, protocol);
  // Not awaited: the router holds frames until the actor is ready; its errors close the socket.
  host.proxyWebSocket(route.actorId, actorRequest, socket).catch((error) => {
    console.error(`WebSocket to actor ${route.actorId} failed`, error);
    if (socket.readyState < 2) socket.close(1011, "the actor could not take the socket");
  });
  return upgradeResponse(client, protocol);
}

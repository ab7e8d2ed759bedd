/**
 * The actor router's two WebSocket routes: `/connect/websocket` (a connection speaking the
 * message protocol) and `/raw/websocket/*` (the actor's own onWebSocket).
 */
import type { ActorInstanceHost } from "../actor/host-interface.ts";
import { decodeAuthData } from "../protocol/auth-data.ts";
import { parseEncoding } from "../protocol/encoding.ts";
import {
  HEADER_AUTH_DATA,
  HEADER_CONN_PARAMS,
  HEADER_ENCODING,
  stripInternalHeaders,
} from "../protocol/headers.ts";
import { decodeToServer } from "../protocol/message-codec.ts";
import type { Encoding } from "../protocol/messages.ts";
import { parseConnParams } from "../protocol/query.ts";
import { bufferSocket } from "./buffered-socket.ts";
import { WebSocketTransport } from "./connection-transports.ts";
import { exactRawUrl, requestWithExactUrl } from "./raw-url.ts";
import type { UniversalWebSocket } from "./universal-websocket.ts";
import { failConnection, failWebSocketSetup } from "./websocket-errors.ts";

/** What both WebSocket routes need from the router. */
export interface WebSocketRouteContext {
  request: Request;
  socket: UniversalWebSocket;
  actorId: string;
  exposeInternal: boolean;
  loadActor(actorId: string): Promise<ActorInstanceHost>;
}

/**
 * `/connect/websocket`: opens a connection on the actor. Frames that arrive during setup wait
 * for it; each frame is decoded (size limit first) and handed to the actor in arrival order; a
 * malformed or oversized frame gets an `error` message and a close with 1007 / 1009 (ERR-5).
 * When the socket closes, `closeConnection` runs exactly once (CONN-9). Never rejects.
 */
export async function handleConnectWebSocket(ctx: WebSocketRouteContext): Promise<void> {
  const { socket, request, exposeInternal } = ctx;
  let encoding: Encoding | undefined;
  let actor: ActorInstanceHost | undefined;
  let connectionId: string | undefined;
  let socketClosed = false;
  let released = false;
  let failed = false;
  const early: (string | ArrayBuffer)[] = [];

  const release = () => {
    if (released || actor === undefined || connectionId === undefined) return;
    released = true;
    const [instance, id] = [actor, connectionId];
    instance.closeConnection(id).catch((error) => {
      console.error(`closing connection ${id} of actor ${instance.actorId} failed`, error);
    });
  };

  // Called only once the connection is set up, so the encoding is known.
  const fail = (error: unknown) => {
    failed = true;
    failConnection(socket, error, encoding!, exposeInternal);
  };

  const receive = (data: string | ArrayBuffer) => {
    if (actor === undefined || connectionId === undefined || encoding === undefined) {
      early.push(data);
      return;
    }
    // After a connection error the socket is closing; frames still queued are not served.
    if (failed) return;
    let message: ReturnType<typeof decodeToServer>;
    try {
      message = decodeToServer(data, encoding);
    } catch (error) {
      fail(error);
      return;
    }
    // Not awaited: actions on one connection may run concurrently (ACT-5); the instance sees
    // them in arrival order and answers each on the transport.
    actor.handleMessage(connectionId, message).catch(fail);
  };

  socket.addEventListener("message", (event) => receive(event.data));
  socket.addEventListener("close", () => {
    socketClosed = true;
    release();
  });

  try {
    encoding = parseEncoding(request.headers.get(HEADER_ENCODING));
    const params = parseConnParams(request.headers.get(HEADER_CONN_PARAMS));
    const authData = decodeAuthData(request.headers.get(HEADER_AUTH_DATA));
    actor = await ctx.loadActor(ctx.actorId);
    const transport = new WebSocketTransport(socket, encoding);
    const connection = await actor.connect({ params, authData, request, transport });
    connectionId = connection.id;
  } catch (error) {
    actor = undefined;
    failWebSocketSetup(socket, error, encoding, exposeInternal);
    return;
  }
  if (socketClosed) {
    release();
    return;
  }
  for (const data of early.splice(0)) receive(data);
}

/**
 * `/raw/websocket/*`: hands the socket to the actor's onWebSocket with a request whose URL is
 * `http://actor/<subpath>?<query>` (exact, RAWWS-3) and whose headers are the caller's without
 * internal ones. Frames that arrive before onWebSocket listens are held, then delivered in order.
 * Setup errors close with 4000 + status (an `error` message first only when the request named
 * an encoding). Never rejects.
 */
export async function handleRawWebSocket(ctx: WebSocketRouteContext): Promise<void> {
  const { socket, request, exposeInternal } = ctx;
  const held = bufferSocket(socket);
  const encodingHeader = request.headers.get(HEADER_ENCODING);
  let encoding: Encoding | undefined;
  try {
    if (encodingHeader !== null) encoding = parseEncoding(encodingHeader);
    const authData = decodeAuthData(request.headers.get(HEADER_AUTH_DATA));
    const url = exactRawUrl(request, "/raw/websocket");
    const actorRequest = requestWithExactUrl(url, {
      headers: stripInternalHeaders(request.headers),
    });
    const actor = await ctx.loadActor(ctx.actorId);
    await actor.handleWebSocket(held, actorRequest, authData);
  } catch (error) {
    failWebSocketSetup(socket, error, encoding, exposeInternal);
  } finally {
    held.release();
  }
}

/**
 * The manager's WebSocket routes: `/actors/connect/websocket` and `/actors/raw/websocket/*`.
 * Connection data rides in the subprotocols (docs/protocol.md, "WebSocket subprotocols").
 */
import { ActorError } from "../actor/errors.ts";
import type { Registry } from "../actor/registry.ts";
import type { ManagerDriver } from "../driver/manager-driver.ts";
import { parseEncoding } from "../protocol/encoding.ts";
import {
  checkProtocolVersion,
  HEADER_CONN_PARAMS,
  HEADER_ENCODING,
  HEADER_PROTOCOL_VERSION,
  stripInternalHeaders,
} from "../protocol/headers.ts";
import type { Encoding } from "../protocol/messages.ts";
import { asciiJson } from "../protocol/query.ts";
import {
  type ParsedSubprotocols,
  parseSubprotocols,
  SUBPROTOCOL_ENCODING_PREFIX,
} from "../protocol/subprotocols.ts";
import { bufferSocket } from "../routing/buffered-socket.ts";
import {
  resolveSubpath,
  splitTarget,
  splitUrl,
  subpathAfter,
  withRawPath,
} from "../routing/raw-url.ts";
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";
import { failWebSocketSetup } from "../routing/websocket-errors.ts";
import { passGate, setAuthData } from "./gate.ts";
import { callDriver } from "./resolve.ts";

const PROTOCOL_HEADER = "sec-websocket-protocol";

/** What `handleManagerWebSocket` needs. */
export interface ManagerWebSocketContext {
  registry: Registry;
  manager: ManagerDriver;
  /** The upgrade request as the server received it (URL, headers). */
  request: Request;
  /** The accepted socket. */
  socket: UniversalWebSocket;
  /** The request target as the server received it; routes and raw subpaths come from it. */
  target?: string;
}

/**
 * The encoding a subprotocol list names, read on its own so a setup error can still be reported
 * in it when another entry is malformed.
 */
function sniffEncoding(header: string | null): Encoding | undefined {
  for (const raw of (header ?? "").split(",")) {
    const entry = raw.trim();
    if (!entry.startsWith(SUBPROTOCOL_ENCODING_PREFIX)) continue;
    try {
      return parseEncoding(entry.slice(SUBPROTOCOL_ENCODING_PREFIX.length));
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function requireQuery(parsed: ParsedSubprotocols) {
  if (parsed.query === undefined) {
    throw new ActorError("invalid_request", "the actor.query.<base64url> subprotocol is required");
  }
  return parsed.query;
}

/**
 * Handles one accepted socket. Frames the client sends while the actor is resolved are held and
 * delivered in order once the actor side listens (ROUTE-5). Setup errors (bad subprotocols,
 * onAuth, unknown actor, driver failure) send one `error` message when the encoding is known and
 * close with 4000 + status and the code as reason. Never rejects.
 */
export async function handleManagerWebSocket(ctx: ManagerWebSocketContext): Promise<void> {
  const { registry, manager, request, socket } = ctx;
  const held = bufferSocket(socket);
  const protocols = request.headers.get(PROTOCOL_HEADER);
  const encoding = sniffEncoding(protocols);
  try {
    checkProtocolVersion(request.headers.get(HEADER_PROTOCOL_VERSION));
    const raw = ctx.target === undefined ? undefined : splitTarget(ctx.target);
    const { pathname, search } = raw ?? splitUrl(request.url);
    const rawSub = subpathAfter(pathname, "/actors/raw/websocket");
    if (pathname !== "/actors/connect/websocket" && rawSub === undefined) {
      throw new ActorError("invalid_request", `no WebSocket route ${pathname}`, { status: 404 });
    }
    const parsed = parseSubprotocols(protocols, { decodeInput: false });
    if (rawSub === undefined) {
      if (parsed.encoding === undefined) {
        throw new ActorError(
          "invalid_encoding",
          "the actor.encoding.json or actor.encoding.cbor subprotocol is required",
        );
      }
      const query = requireQuery(parsed);
      const gate = { query, route: "connect" as const, request, params: parsed.params };
      const { actor, authData } = await passGate(registry, manager, gate);
      const headers = new Headers({ [HEADER_ENCODING]: parsed.encoding });
      if (parsed.params !== undefined) headers.set(HEADER_CONN_PARAMS, asciiJson(parsed.params));
      const forward = new Request("http://actor/connect/websocket", {
        headers: setAuthData(headers, authData),
      });
      await callDriver("proxyWebSocket", () =>
        manager.proxyWebSocket(actor.actorId, forward, held),
      );
      return;
    }
    const query = requireQuery(parsed);
    const gate = { query, route: "action" as const, request, params: parsed.params };
    const { actor, authData } = await passGate(registry, manager, gate);
    // The actor sees the client's headers, its own subprotocols only, and no internal header.
    const headers = stripInternalHeaders(request.headers);
    if (parsed.extra.length > 0) headers.set(PROTOCOL_HEADER, parsed.extra.join(", "));
    else headers.delete(PROTOCOL_HEADER);
    if (parsed.encoding !== undefined) headers.set(HEADER_ENCODING, parsed.encoding);
    const forward = new Request(`http://actor/raw/websocket${resolveSubpath(rawSub)}${search}`, {
      headers: withRawPath(setAuthData(headers, authData), rawSub, search),
    });
    await callDriver("proxyWebSocket", () => manager.proxyWebSocket(actor.actorId, forward, held));
  } catch (error) {
    if (!(error instanceof ActorError)) console.error("manager WebSocket setup failed", error);
    failWebSocketSetup(socket, error, encoding, false);
  } finally {
    held.release();
  }
}

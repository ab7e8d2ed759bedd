/**
 * Joins two UniversalWebSockets both ways: every frame keeps its kind (text or binary) and its
 * order, and a close on one side closes the other with the same code and reason (ROUTE-5,
 * RAWWS-4). Frames and a close that arrive before `upstream` opens wait for it. Used by the
 * manager in the harness process (a `ws` socket to the Worker) and inside the Worker (a socket
 * to another actor's object). No Node or workerd API: both sides load it.
 */
import type { UniversalWebSocket, WebSocketData } from "../../runtime/driver/index.ts";

/** Close codes a peer reports but an endpoint may not send (RFC 6455 section 7.4.1). */
const RESERVED_CLOSE_CODES = new Set([1005, 1006, 1015]);

/** Closes `socket` as `code`/`reason` arrived on the other side, when it is not closed yet. */
function closeLike(socket: UniversalWebSocket, code: number, reason: string): void {
  if (socket.readyState >= 2) return;
  // A close without a status (1005) or without a close frame (1006) is passed on as a close
  // without a status: the nearest thing an endpoint can send.
  if (RESERVED_CLOSE_CODES.has(code)) socket.close();
  else socket.close(code, reason);
}

/**
 * Bridges `client` (already open) and `upstream` (open or opening). Resolves once `upstream`
 * is open and the frames `client` sent meanwhile were forwarded; rejects (closing `client` with
 * 1011) when `upstream` cannot be opened.
 */
export async function bridgeSockets(
  client: UniversalWebSocket,
  upstream: Promise<UniversalWebSocket>,
): Promise<void> {
  const early: WebSocketData[] = [];
  let earlyClose: { code: number; reason: string } | undefined;
  let target: UniversalWebSocket | undefined;
  client.addEventListener("message", (event) => {
    if (target) target.send(event.data);
    else early.push(event.data);
  });
  client.addEventListener("close", (event) => {
    if (target) closeLike(target, event.code, event.reason);
    else earlyClose = { code: event.code, reason: event.reason };
  });
  let opened: UniversalWebSocket;
  try {
    opened = await upstream;
  } catch (error) {
    closeLike(client, 1011, "the actor could not be reached");
    throw error;
  }
  opened.addEventListener("message", (event) => {
    if (client.readyState === 1) client.send(event.data);
  });
  opened.addEventListener("close", (event) => closeLike(client, event.code, event.reason));
  for (const data of early) opened.send(data);
  target = opened;
  if (earlyClose) closeLike(opened, earlyClose.code, earlyClose.reason);
}

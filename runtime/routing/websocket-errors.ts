/**
 * How a WebSocket reports an error (docs/protocol.md, "Errors"): during setup, one `error`
 * message when the encoding is known, then a close with 4000 + status and the code as reason;
 * on an open connection, an `error` message and a close with 1007, 1009 or 1011.
 */
import { deconstructError } from "../actor/errors.ts";
import { encodeToClient } from "../protocol/message-codec.ts";
import type { Encoding, ToClientMessage } from "../protocol/messages.ts";
import { fitCloseReason } from "./connection-transports.ts";
import { type UniversalWebSocket, WS_OPEN } from "./universal-websocket.ts";

/** The `error` message for `error` as a caller may see it (ERR-1, ERR-3). */
export function errorMessage(error: unknown, exposeInternal: boolean): ToClientMessage {
  const found = deconstructError(error, exposeInternal);
  const message: ToClientMessage = { type: "error", code: found.code, message: found.message };
  if (found.metadata !== undefined) message.metadata = found.metadata;
  return message;
}

/** Sends `message` if the socket is open; drops metadata the encoding cannot carry. */
function trySend(socket: UniversalWebSocket, message: ToClientMessage, encoding: Encoding): void {
  if (socket.readyState !== WS_OPEN) return;
  let frame: string | Uint8Array;
  try {
    frame = encodeToClient(message, encoding);
  } catch {
    if (message.type !== "error") return;
    frame = encodeToClient(
      { type: "error", code: message.code, message: message.message },
      encoding,
    );
  }
  try {
    socket.send(frame);
  } catch (error) {
    console.error("could not send an error message on a WebSocket", error);
  }
}

function tryClose(socket: UniversalWebSocket, code: number, reason: string): void {
  if (socket.readyState !== WS_OPEN) return;
  try {
    socket.close(code, fitCloseReason(reason));
  } catch (error) {
    console.error(`could not close a WebSocket with ${code}`, error);
  }
}

/**
 * Ends a WebSocket whose setup failed: sends one `error` message when `encoding` is known, then
 * closes with `4000 + status` (4404 for `actor_not_found`) and the error code as the reason.
 * Internal errors are masked unless `exposeInternal` (ERR-3, ERR-4).
 */
export function failWebSocketSetup(
  socket: UniversalWebSocket,
  error: unknown,
  encoding: Encoding | undefined,
  exposeInternal: boolean,
): void {
  const message = errorMessage(error, exposeInternal);
  if (encoding !== undefined) trySend(socket, message, encoding);
  const status = deconstructError(error, exposeInternal).status;
  tryClose(socket, 4000 + status, message.type === "error" ? message.code : "internal_error");
}

/**
 * Ends an open connection after a connection error: sends the `error` message, then closes with
 * 1009 for `message_too_large`, 1007 for `malformed_message` and 1011 for anything else, with the
 * error code as the reason (ERR-5).
 */
export function failConnection(
  socket: UniversalWebSocket,
  error: unknown,
  encoding: Encoding,
  exposeInternal: boolean,
): void {
  const message = errorMessage(error, exposeInternal);
  trySend(socket, message, encoding);
  const code = message.type === "error" ? message.code : "internal_error";
  const closeCode =
    code === "message_too_large" ? 1009 : code === "malformed_message" ? 1007 : 1011;
  tryClose(socket, closeCode, code);
}

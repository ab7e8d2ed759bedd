/**
 * Size limits of the wire protocol (docs/protocol.md, "Messages" and "Actor queries").
 */
import { ActorError } from "../actor/errors.ts";
import { utf8ByteLength } from "./base64.ts";

/**
 * Largest to-server message accepted, in bytes: the UTF-8 length of a JSON frame or the length of
 * a CBOR frame, measured before decoding. Larger ones fail with `message_too_large` (ERR-5).
 */
export const MAX_MESSAGE_BYTES = 65536;

/**
 * Largest raw HTTP request body accepted (`/actors/raw/http/*`), in bytes: 4 MiB. The body is
 * counted as it streams in, before onAuth runs; larger ones fail with `message_too_large` (413).
 */
export const MAX_RAW_HTTP_BODY_BYTES = 4 * 1024 * 1024;

/**
 * Largest WebSocket message a server reads, in bytes: 1 MiB, counted over every fragment of the
 * message as it arrives (ws `maxPayload`). Past it the socket is closed with 1009 before the rest
 * is read. Connection messages have the smaller {@link MAX_MESSAGE_BYTES} limit on top.
 */
export const MAX_WEBSOCKET_MESSAGE_BYTES = 1024 * 1024;

/**
 * Largest amount of data a connection's transport may hold unsent, in bytes: 4 MiB. A client
 * that stops reading (SSE or WebSocket) is sent one `send_buffer_exceeded` error and closed
 * (WebSocket code 1013) once its buffer passes this, so it cannot grow server memory.
 */
export const MAX_SEND_BUFFER_BYTES = 4 * 1024 * 1024;

/**
 * Largest connection params accepted, in bytes of their JSON text (the header value, or the
 * decoded subprotocol entry). Larger ones fail with `invalid_params`.
 */
export const MAX_CONN_PARAMS_BYTES = 4096;

/** Most components an actor key may have; more fail with `invalid_key` (KEY-1). */
export const MAX_KEY_COMPONENTS = 16;

/** Largest actor key component, in UTF-8 bytes; longer ones fail with `invalid_key` (KEY-4). */
export const MAX_KEY_COMPONENT_BYTES = 256;

/**
 * Checks `data` against `maxBytes` before anything decodes it: the UTF-8 length of text, the
 * byte length of binary. Returns the size in bytes; throws `message_too_large` naming `what`
 * (for example "message" or "body"), the size and the limit (ERR-5).
 */
export function assertWithinLimit(
  data: string | Uint8Array | ArrayBuffer,
  maxBytes: number,
  what: string,
): number {
  const size = typeof data === "string" ? utf8ByteLength(data) : data.byteLength;
  if (size > maxBytes) {
    throw new ActorError(
      "message_too_large",
      `${what} is ${size} bytes; the limit is ${maxBytes} bytes`,
      { metadata: { size, limit: maxBytes } },
    );
  }
  return size;
}

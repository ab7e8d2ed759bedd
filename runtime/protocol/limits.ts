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

/**
 * Size limits of the wire protocol (docs/protocol.md, "Messages" and "Actor queries").
 */

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

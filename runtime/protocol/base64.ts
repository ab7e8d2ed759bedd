/**
 * Strict base64 and base64url codecs (RFC 4648). Node's decoder skips characters outside the
 * alphabet, so input is checked against the alphabet first and a bad string is refused, not
 * half-decoded.
 */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Standard base64 with padding (RFC 4648 section 4) of the bytes. */
export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");
}

/**
 * Decodes standard padded base64 into a fresh Uint8Array; `undefined` when the text is not
 * canonical padded base64 (callers turn that into their own catalogue error).
 */
export function base64ToBytes(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  return plainBytes(Buffer.from(text, "base64"));
}

/** Unpadded base64url (RFC 4648 section 5) of the bytes: the alphabet of an HTTP token. */
export function bytesToBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");
}

/** Decodes unpadded base64url; `undefined` when a character is outside the alphabet. */
export function base64UrlToBytes(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  return plainBytes(Buffer.from(text, "base64url"));
}

/** A plain Uint8Array view of the bytes, so callers never see a Buffer. */
export function plainBytes(bytes: Uint8Array | ArrayBuffer): Uint8Array {
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (bytes.constructor === Uint8Array) return bytes;
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

const utf8Decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** Decodes UTF-8 strictly; `undefined` for invalid UTF-8. */
export function utf8ToString(bytes: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** The UTF-8 bytes of a string. */
export function stringToUtf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** The UTF-8 length of a string, in bytes, without allocating the bytes. */
export function utf8ByteLength(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

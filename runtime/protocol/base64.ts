/**
 * Strict base64 and base64url codecs (RFC 4648). Input is checked against the alphabet first, so
 * a bad string is refused, not half-decoded. Built on the web platform's `btoa`/`atob`, not Node's
 * Buffer: the runtime also runs where there is no Buffer (workerd without `nodejs_compat`).
 */

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** Standard base64 with padding (RFC 4648 section 4) of the bytes. */
export function bytesToBase64(bytes: Uint8Array): string {
  return btoa(binaryString(bytes));
}

/**
 * Decodes standard padded base64 into a fresh Uint8Array; `undefined` when the text is not
 * canonical padded base64 (callers turn that into their own catalogue error).
 */
export function base64ToBytes(text: string): Uint8Array | undefined {
  if (!BASE64.test(text)) return undefined;
  return bytesOfBinaryString(atob(text));
}

/** Unpadded base64url (RFC 4648 section 5) of the bytes: the alphabet of an HTTP token. */
export function bytesToBase64Url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

/** Decodes unpadded base64url; `undefined` when a character is outside the alphabet. */
export function base64UrlToBytes(text: string): Uint8Array | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const padded =
    text.replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - (text.length % 4)) % 4);
  return bytesOfBinaryString(atob(padded));
}

/** Bytes per String.fromCharCode call: well under any engine's argument limit. */
const CHUNK = 0x8000;

/** One char (code 0..255) per byte: what `btoa` encodes. */
function binaryString(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return binary;
}

/** The bytes of a string of chars 0..255 (what `atob` decodes to). */
function bytesOfBinaryString(binary: string): Uint8Array {
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
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
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        // A surrogate pair: one code point of four bytes.
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3; // Other BMP code units, and a lone surrogate (encoded as U+FFFD, 3 bytes).
  }
  return bytes;
}

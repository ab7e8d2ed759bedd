/**
 * Reading a request body under a byte limit (docs/protocol.md, "Size limits"): the count is kept
 * while the body streams in, so an oversized body is refused after at most `maxBytes` plus one
 * chunk, never read whole.
 */
import { ActorError } from "../actor/errors.ts";

function tooLarge(what: string, size: number | undefined, maxBytes: number): ActorError {
  const told = size === undefined ? `more than ${maxBytes} bytes` : `${size} bytes`;
  return new ActorError("message_too_large", `${what} is ${told}; the limit is ${maxBytes} bytes`, {
    metadata: size === undefined ? { limit: maxBytes } : { size, limit: maxBytes },
  });
}

/**
 * Reads the body of `request` into one ArrayBuffer of at most `maxBytes` bytes. A
 * `content-length` over the limit is refused before a byte is read; otherwise bytes are counted
 * as chunks arrive and the stream is cancelled as soon as the count passes the limit. Throws
 * `message_too_large` naming `what` ("body", "raw HTTP body"), with `{ size?, limit }` metadata
 * (ERR-5). A request without a body gives an empty ArrayBuffer.
 */
export async function readBodyWithin(
  request: Request,
  maxBytes: number,
  what = "body",
): Promise<ArrayBuffer> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared) && Number(declared) > maxBytes) {
    throw tooLarge(what, Number(declared), maxBytes);
  }
  if (request.body === null) return new ArrayBuffer(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      reader.cancel().catch(() => {});
      throw tooLarge(what, undefined, maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out.buffer;
}

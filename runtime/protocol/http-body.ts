/**
 * HTTP bodies in either encoding, and error responses (docs/protocol.md, "Manager routes" and
 * "Errors"; clauses ERR-1..ERR-4).
 */
import { ActorError, deconstructError, type ErrorPayload } from "../actor/errors.ts";
import { plainBytes } from "./base64.ts";
import { contentTypeFor, decodeValue, encodeValue } from "./encoding.ts";
import { assertWithinLimit, MAX_MESSAGE_BYTES } from "./limits.ts";
import type { Encoding } from "./messages.ts";

/** An encoded body with its Content-Type. */
export interface EncodedBody {
  body: string | Uint8Array;
  contentType: "application/json" | "application/cbor";
}

/**
 * Encodes a body value. Throws `serialization_error` naming the path of a value the encoding
 * cannot carry (for json, also for an `undefined` root).
 */
export function encodeBody(value: unknown, encoding: Encoding): EncodedBody {
  return { body: encodeValue(value, encoding), contentType: contentTypeFor(encoding) };
}

/**
 * Decodes a request or response body. Bodies over `maxBytes` (default the message limit, 65536
 * bytes) throw `message_too_large`; pass `Infinity` for no limit. An empty body, bad JSON or bad
 * CBOR throws `malformed_message`.
 */
export function decodeBody(
  body: ArrayBuffer | Uint8Array | string,
  encoding: Encoding,
  maxBytes: number = MAX_MESSAGE_BYTES,
): unknown {
  const size = assertWithinLimit(body, maxBytes, "body");
  if (size === 0) throw new ActorError("malformed_message", "body is empty");
  if (encoding === "cbor" && typeof body === "string") {
    // A text body read with response.text() cannot be turned back into bytes safely.
    throw new ActorError("malformed_message", "cbor bodies are binary; read the body as bytes");
  }
  return decodeValue(typeof body === "string" ? body : plainBytes(body), encoding);
}

/**
 * An error response: `{ code, message, metadata? }` in `encoding` (JSON when it is unknown), with
 * the catalogue status. Internal errors are masked unless `exposeInternal` (ERR-3, ERR-4). If the
 * metadata cannot be carried by the encoding, it is left out rather than failing the response.
 */
export function errorResponse(
  error: unknown,
  encoding: Encoding | undefined,
  exposeInternal: boolean,
): Response {
  const found = deconstructError(error, exposeInternal);
  const payload: ErrorPayload = { code: found.code, message: found.message };
  if (found.metadata !== undefined) payload.metadata = found.metadata;
  const chosen: Encoding = encoding ?? "json";
  let body: string | Uint8Array;
  try {
    body = encodeValue(payload, chosen);
  } catch {
    body = encodeValue({ code: found.code, message: found.message }, chosen);
  }
  return new Response(body as BodyInit, {
    status: found.status,
    headers: { "content-type": contentTypeFor(chosen) },
  });
}

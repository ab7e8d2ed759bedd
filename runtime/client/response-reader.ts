/**
 * Reading protocol responses on the client: success bodies in the request's encoding, error
 * bodies `{ code, message, metadata? }` turned into ClientActorErrors (docs/protocol.md, "Errors").
 */
import { decodeValue } from "../protocol/encoding.ts";
import type { Encoding } from "../protocol/messages.ts";
import { type ClientActorError, clientError, errorFromPayload } from "./errors.ts";

/** Longest part of an undecodable error body quoted in a message, in characters. */
const QUOTE_CHARS = 200;

/**
 * The encoding a response body is in: its Content-Type when that names json or cbor (a router
 * answers JSON when it could not read the request's encoding), else the request's encoding.
 */
export function responseEncoding(response: Response, requested: Encoding): Encoding {
  const type = (response.headers.get("content-type") ?? "").toLowerCase();
  if (type.startsWith("application/json")) return "json";
  if (type.startsWith("application/cbor")) return "cbor";
  return requested;
}

/**
 * The error a non-OK response stands for: its decoded `{ code, message, metadata }`, or
 * `http_request_failed` naming the status and quoting the body when it is not an error payload.
 * Consumes the body.
 */
export async function errorFromResponse(
  response: Response,
  requested: Encoding,
): Promise<ClientActorError> {
  const bytes = new Uint8Array(await response.arrayBuffer());
  try {
    const error = errorFromPayload(decodeValue(bytes, responseEncoding(response, requested)));
    if (error) return error;
  } catch {
    // Not an error payload: described below with the raw body.
  }
  const text = new TextDecoder().decode(bytes).slice(0, QUOTE_CHARS);
  return clientError(
    "http_request_failed",
    `${response.url || "request"} answered ${response.status} ${response.statusText}`.trim() +
      (text ? `: ${text}` : ""),
  );
}

/**
 * Reads a protocol response: resolves the decoded success body, rejects with the decoded error
 * for a non-OK status (see {@link errorFromResponse}), and with `malformed_response` for a
 * success body that does not decode. Consumes the body.
 */
export async function readResponse(response: Response, requested: Encoding): Promise<unknown> {
  if (!response.ok) throw await errorFromResponse(response, requested);
  const bytes = new Uint8Array(await response.arrayBuffer());
  const encoding = responseEncoding(response, requested);
  try {
    return decodeValue(bytes, encoding);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw clientError(
      "malformed_response",
      `a ${encoding} response body does not decode: ${why}`,
      error,
    );
  }
}

/**
 * Reads `body[field]` from a decoded success body; `malformed_response` when the body is not an
 * object or lacks the field (an `output` of `undefined` is allowed: JSON omits it).
 */
export function field(body: unknown, name: string, required: boolean): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw clientError("malformed_response", `the response body is not an object with "${name}"`);
  }
  if (required && !(name in body)) {
    throw clientError("malformed_response", `the response body has no "${name}"`);
  }
  return (body as Record<string, unknown>)[name];
}

/**
 * Names of the protocol's HTTP headers and the helpers that read or clean them
 * (docs/protocol.md, "Headers"). Header names are lowercase, as `Headers` reports them.
 */
import { ActorError } from "../actor/errors.ts";
import { PROTOCOL_VERSION } from "./messages.ts";

/** The actor query as ASCII JSON (client to manager). */
export const HEADER_QUERY = "x-actor-query";
/** `json` or `cbor`: the body encoding and error encoding. */
export const HEADER_ENCODING = "x-actor-encoding";
/** Connection params as ASCII JSON, at most 4096 bytes. */
export const HEADER_CONN_PARAMS = "x-actor-conn-params";
/** Optional protocol version asked for by the client; only `1` is spoken. */
export const HEADER_PROTOCOL_VERSION = "x-actor-protocol-version";
/** The actor id on `POST /actors/connections/message`. */
export const HEADER_ACTOR_ID = "x-actor-id";
/** The connection id on connection messages. */
export const HEADER_CONN_ID = "x-actor-conn-id";
/** The connection token on connection messages. */
export const HEADER_CONN_TOKEN = "x-actor-conn-token";
/** base64 of the CBOR of `onAuth`'s result (manager to actor only). */
export const HEADER_AUTH_DATA = "x-actor-internal-auth-data";
/** `1`: internal error messages are not masked (inline client to actor only; ERR-4). */
export const HEADER_EXPOSE_ERRORS = "x-actor-internal-expose-errors";
/**
 * The raw route's subpath and query exactly as the client sent them (manager to actor only):
 * URL parsing removes dot segments, so the URL alone cannot carry `/a/%2e%2e/b` (ROUTE-6).
 */
export const HEADER_RAW_PATH = "x-actor-internal-raw-path";
/** Every header with this prefix is removed from public requests (AUTH-5). */
export const INTERNAL_HEADER_PREFIX = "x-actor-internal-";

/**
 * A copy of `headers` without any `x-actor-internal-*` header, so a public caller cannot forge
 * auth data or unmask errors (clause AUTH-5). The input is not modified.
 */
export function stripInternalHeaders(headers: Headers): Headers {
  const out = new Headers();
  for (const [name, value] of headers) {
    if (!name.toLowerCase().startsWith(INTERNAL_HEADER_PREFIX)) out.append(name, value);
  }
  // Headers iteration joins repeated headers except set-cookie, which must stay separate.
  const cookies = headers.getSetCookie();
  if (cookies.length > 0) {
    out.delete("set-cookie");
    for (const cookie of cookies) out.append("set-cookie", cookie);
  }
  return out;
}

/**
 * Checks the optional `x-actor-protocol-version` header: absent or empty is fine; anything but
 * `1` throws `unsupported_protocol_version` naming the value.
 */
export function checkProtocolVersion(header: string | null | undefined): void {
  if (header === null || header === undefined || header.trim() === "") return;
  if (header.trim() !== String(PROTOCOL_VERSION)) {
    throw new ActorError(
      "unsupported_protocol_version",
      `protocol version ${JSON.stringify(header)} is not supported; this runtime speaks ${PROTOCOL_VERSION}`,
    );
  }
}

/**
 * Connection data carried in `Sec-WebSocket-Protocol`, since browsers cannot set headers on a
 * WebSocket (docs/protocol.md, "WebSocket subprotocols").
 */
import { ActorError } from "../actor/errors.ts";
import { base64UrlToBytes, bytesToBase64Url, stringToUtf8, utf8ToString } from "./base64.ts";
import { parseEncoding } from "./encoding.ts";
import type { Encoding } from "./messages.ts";
import {
  type ActorQuery,
  type ParseQueryOptions,
  parseConnParams,
  parseQuery,
  serializeConnParams,
  serializeQuery,
} from "./query.ts";

/** The marker entry; a server that speaks this protocol always selects it. */
export const SUBPROTOCOL_MARKER = "actor.v1";
/** Prefix of the encoding entry: `actor.encoding.json` or `actor.encoding.cbor`. */
export const SUBPROTOCOL_ENCODING_PREFIX = "actor.encoding.";
/** Prefix of the query entry: `actor.query.<base64url of the query JSON>`. */
export const SUBPROTOCOL_QUERY_PREFIX = "actor.query.";
/** Prefix of the params entry: `actor.params.<base64url of the params JSON>`. */
export const SUBPROTOCOL_PARAMS_PREFIX = "actor.params.";

/** An HTTP token (RFC 9110 section 5.6.2): what each subprotocol entry must be. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** What a client puts in its subprotocol list. */
export interface SubprotocolOptions {
  encoding: Encoding;
  /** The actor query; omitted on the actor router, which gets the actor id beside the request. */
  query?: ActorQuery;
  /** Connection params; any JSON value. */
  params?: unknown;
  /** The client's own entries (raw WebSocket only); each an HTTP token not starting `actor.`. */
  extra?: string[];
}

/** What a server read from a subprotocol header. */
export interface ParsedSubprotocols {
  encoding?: Encoding;
  query?: ActorQuery;
  params?: unknown;
  /** Entries that are not ours, in order; raw WebSockets pass them to `onWebSocket`. */
  extra: string[];
  hasMarker: boolean;
}

/**
 * Builds the subprotocol list: the marker first, then encoding, query and params (base64url of
 * their UTF-8 JSON, unpadded), then `extra`. Throws `invalid_key`/`serialization_error` for a
 * bad query, `invalid_params` for oversized params, and TypeError for an `extra` entry that is
 * not a token or starts with `actor.`.
 */
export function buildSubprotocols(options: SubprotocolOptions): string[] {
  const out = [SUBPROTOCOL_MARKER, `${SUBPROTOCOL_ENCODING_PREFIX}${options.encoding}`];
  if (options.query !== undefined) {
    out.push(
      SUBPROTOCOL_QUERY_PREFIX + bytesToBase64Url(stringToUtf8(serializeQuery(options.query))),
    );
  }
  const params = serializeConnParams(options.params);
  if (params !== undefined)
    out.push(SUBPROTOCOL_PARAMS_PREFIX + bytesToBase64Url(stringToUtf8(params)));
  for (const entry of options.extra ?? []) {
    if (!TOKEN.test(entry) || entry.startsWith("actor.")) {
      throw new TypeError(
        `subprotocol ${JSON.stringify(entry)} is not a token or uses the reserved actor. prefix`,
      );
    }
    out.push(entry);
  }
  return out;
}

/**
 * Parses a `Sec-WebSocket-Protocol` header (comma-separated). Throws `invalid_encoding` for a
 * bad encoding entry, `invalid_query`/`invalid_key` for a bad query entry, `invalid_params` for
 * bad params, and `invalid_request` when one of our entries appears twice. Missing entries are
 * left undefined: the router decides which are required. `options` go to parseQuery (the manager
 * defers a `$cbor` input until after onAuth).
 */
export function parseSubprotocols(
  header: string | null | undefined,
  options: ParseQueryOptions = {},
): ParsedSubprotocols {
  const parsed: ParsedSubprotocols = { extra: [], hasMarker: false };
  const seen = new Set<string>();
  const once = (kind: string) => {
    if (seen.has(kind))
      throw new ActorError("invalid_request", `subprotocol entry ${kind} appears twice`);
    seen.add(kind);
  };
  for (const raw of (header ?? "").split(",")) {
    const entry = raw.trim();
    if (entry === "") continue;
    if (entry === SUBPROTOCOL_MARKER) {
      parsed.hasMarker = true;
    } else if (entry.startsWith(SUBPROTOCOL_ENCODING_PREFIX)) {
      once("encoding");
      parsed.encoding = parseEncoding(entry.slice(SUBPROTOCOL_ENCODING_PREFIX.length));
    } else if (entry.startsWith(SUBPROTOCOL_QUERY_PREFIX)) {
      once("query");
      const json = decodeEntry(entry.slice(SUBPROTOCOL_QUERY_PREFIX.length));
      if (json === undefined)
        throw new ActorError("invalid_query", "subprotocol query is not base64url of UTF-8 JSON");
      parsed.query = parseQuery(json, options);
    } else if (entry.startsWith(SUBPROTOCOL_PARAMS_PREFIX)) {
      once("params");
      const json = decodeEntry(entry.slice(SUBPROTOCOL_PARAMS_PREFIX.length));
      if (json === undefined)
        throw new ActorError(
          "invalid_params",
          "subprotocol params are not base64url of UTF-8 JSON",
        );
      parsed.params = parseConnParams(json);
    } else {
      parsed.extra.push(entry);
    }
  }
  return parsed;
}

function decodeEntry(text: string): string | undefined {
  const bytes = base64UrlToBytes(text);
  return bytes === undefined ? undefined : utf8ToString(bytes);
}

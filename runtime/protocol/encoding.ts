/**
 * The two encodings, json and cbor: parsing the encoding name and turning values into payloads
 * and back (docs/protocol.md, "Values").
 */
import { ActorError } from "../actor/errors.ts";
import { plainBytes, utf8ToString } from "./base64.ts";
import { checkJsonDepth } from "./decode-policy.ts";
import type { Encoding } from "./messages.ts";
import { assertJsonEncodable, decodeCbor, encodeCbor } from "./values.ts";

/** Every encoding the runtime speaks, in the order clients prefer them. */
export const ENCODINGS: readonly Encoding[] = ["json", "cbor"];

/**
 * Parses an encoding name from a header or subprotocol: exactly `json` or `cbor`. Throws
 * `invalid_encoding` naming the value when it is missing or anything else.
 */
export function parseEncoding(value: string | null | undefined): Encoding {
  if (value === "json" || value === "cbor") return value;
  if (value === null || value === undefined || value === "") {
    throw new ActorError("invalid_encoding", "encoding is missing; expected json or cbor");
  }
  throw new ActorError("invalid_encoding", `encoding ${JSON.stringify(value)} is not json or cbor`);
}

/** The Content-Type of a body in this encoding. */
export function contentTypeFor(encoding: Encoding): "application/json" | "application/cbor" {
  return encoding === "json" ? "application/json" : "application/cbor";
}

/**
 * Encodes a value: json gives JSON text (after {@link assertJsonEncodable}; `undefined`
 * properties are omitted and `-0` becomes `0`), cbor gives bytes. Throws `serialization_error`
 * naming the path of a value the encoding cannot carry, and for json also for an `undefined`
 * root, which has no JSON text.
 */
export function encodeValue(value: unknown, encoding: Encoding): string | Uint8Array {
  if (encoding === "cbor") return encodeCbor(value);
  assertJsonEncodable(value, "");
  if (value === undefined) {
    throw new ActorError("serialization_error", "the value is undefined, which has no JSON text");
  }
  return JSON.stringify(value);
}

/**
 * Decodes a payload from a peer. json takes text; bytes are accepted as UTF-8 text (invalid UTF-8
 * is malformed). cbor takes bytes only: text is malformed, since a CBOR payload is never text.
 * Both pass the decoder policy first (decode-policy.ts: nesting at most MAX_NESTING_DEPTH, and
 * for cbor allowed tags and bounded bignums only). Throws `malformed_message` for anything that
 * does not decode or breaks the policy.
 */
export function decodeValue(data: string | Uint8Array | ArrayBuffer, encoding: Encoding): unknown {
  if (encoding === "cbor") {
    if (typeof data === "string") {
      throw new ActorError("malformed_message", "cbor payloads are binary, but text was received");
    }
    return decodeCbor(data);
  }
  const text = typeof data === "string" ? data : utf8ToString(plainBytes(data));
  if (text === undefined) {
    throw new ActorError("malformed_message", "json payload is not valid UTF-8");
  }
  checkJsonDepth(text);
  try {
    return JSON.parse(text);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ActorError("malformed_message", `json payload cannot be parsed: ${why}`, {
      cause: error,
    });
  }
}

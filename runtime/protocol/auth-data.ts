/**
 * The `x-actor-internal-auth-data` header: what `onAuth` returned, carried from the manager to
 * the actor as base64 of its CBOR (docs/protocol.md, "Headers"; clause AUTH-5).
 */
import { ActorError } from "../actor/errors.ts";
import { base64ToBytes, bytesToBase64 } from "./base64.ts";
import { decodeCbor, encodeCbor } from "./values.ts";

/**
 * Standard base64 of the CBOR of `value`. Every value CBOR carries survives exactly, `null`,
 * `0` and `""` included. `undefined` also encodes (as CBOR `undefined`), but the manager may
 * instead omit the header, which {@link decodeAuthData} reads as `undefined` too.
 * Throws `serialization_error` for a value CBOR cannot carry.
 */
export function encodeAuthData(value: unknown): string {
  return bytesToBase64(encodeCbor(value));
}

/**
 * The value of an auth data header; `undefined` when the header is absent or empty. Throws
 * `invalid_request` when it is not base64 of one CBOR item (only a broken manager sends that).
 */
export function decodeAuthData(header: string | null | undefined): unknown {
  if (header === null || header === undefined || header === "") return undefined;
  const bytes = base64ToBytes(header.trim());
  if (bytes === undefined) {
    throw new ActorError("invalid_request", "auth data header is not standard padded base64");
  }
  try {
    return decodeCbor(bytes, { maxDepth: Number.POSITIVE_INFINITY });
  } catch (error) {
    throw new ActorError("invalid_request", "auth data header does not hold one CBOR value", {
      cause: error,
    });
  }
}

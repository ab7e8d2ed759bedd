/**
 * Body mutations: structured (JSON or CBOR) response bodies decoded with the protocol codec,
 * changed, and encoded again in the same encoding.
 */

import type { ManagerDriver } from "../../../runtime/driver/index.ts";
import { decodeValue, encodeValue } from "../../../runtime/protocol/encoding.ts";
import type { Encoding } from "../../../runtime/protocol/messages.ts";
import { actorPath, filterHttp } from "./http.ts";

/** The encoding of a structured body by its content type, or undefined for any other body. */
export function bodyEncoding(response: Response): Encoding | undefined {
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("application/json")) return "json";
  if (type.startsWith("application/cbor")) return "cbor";
  return undefined;
}

/**
 * `response` with its structured body replaced by `change(decoded)`, same status and headers;
 * other responses unchanged.
 */
export async function rewriteBody(
  response: Response,
  change: (value: unknown, encoding: Encoding) => unknown,
): Promise<Response> {
  const encoding = bodyEncoding(response);
  if (encoding === undefined) return response;
  const bytes = new Uint8Array(await response.arrayBuffer());
  const value = change(decodeValue(bytes, encoding), encoding);
  const headers = new Headers(response.headers);
  headers.delete("content-length");
  return new Response(encodeValue(value, encoding) as BodyInit, {
    status: response.status,
    headers,
  });
}

/**
 * `value` with `leaf` applied to every value inside it, arrays, plain objects, Maps and Sets
 * walked (a leaf's return replaces it; containers are rebuilt). For mutants that narrow values.
 */
export function deepMap(value: unknown, leaf: (value: unknown) => unknown): unknown {
  const walk = (v: unknown): unknown => {
    const changed = leaf(v);
    if (changed !== v) return changed;
    if (Array.isArray(v)) return v.map(walk);
    if (v instanceof Map) return new Map([...v].map(([k, x]) => [walk(k), walk(x)]));
    if (v instanceof Set) return new Set([...v].map(walk));
    if (v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value);
}

/**
 * `manager` whose action replies (paths under `/action/`) in one of `encodings` come back with
 * `leaf` applied to every value inside them (`deepMap`), as a hop that re-encodes replies would.
 */
export function narrowActionReplies(
  manager: ManagerDriver,
  encodings: readonly Encoding[],
  leaf: (value: unknown) => unknown,
): ManagerDriver {
  return filterHttp(manager, {
    response: (response, request) =>
      actorPath(request).startsWith("/action/")
        ? rewriteBody(response, (value, encoding) =>
            encodings.includes(encoding) ? deepMap(value, leaf) : value,
          )
        : response,
  });
}

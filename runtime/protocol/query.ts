/**
 * Actor queries, keys and connection params as they arrive in headers (docs/protocol.md,
 * "Actor queries"; clauses KEY-1..KEY-4, ERR-5).
 */
import { z } from "zod";
import { ActorError } from "../actor/errors.ts";
import { base64ToBytes, bytesToBase64, utf8ByteLength } from "./base64.ts";
import { checkJsonDepth } from "./decode-policy.ts";
import { MAX_CONN_PARAMS_BYTES, MAX_KEY_COMPONENT_BYTES, MAX_KEY_COMPONENTS } from "./limits.ts";
import { assertJsonEncodable, decodeCbor, encodeCbor, isJsonEncodable } from "./values.ts";

/** A UTF-16 surrogate without its pair: not representable in UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks an actor key: an array of at most 16 well-formed unicode strings of at most 256 UTF-8
 * bytes each; `[]` is valid (KEY-1..KEY-4). Returns it as a fresh `string[]`. Throws
 * `invalid_key` naming the component index and the reason.
 */
export function validateKey(key: unknown): string[] {
  if (!Array.isArray(key)) {
    throw new ActorError("invalid_key", `key must be an array of strings, got ${describe(key)}`);
  }
  if (key.length > MAX_KEY_COMPONENTS) {
    throw new ActorError(
      "invalid_key",
      `key has ${key.length} components; the limit is ${MAX_KEY_COMPONENTS}`,
    );
  }
  const out: string[] = [];
  for (let i = 0; i < key.length; i++) {
    const part: unknown = key[i];
    if (typeof part !== "string") {
      throw new ActorError("invalid_key", `key component ${i} is ${describe(part)}, not a string`);
    }
    // A lone surrogate cannot survive UTF-8, so the key could not round-trip (KEY-4).
    if (LONE_SURROGATE.test(part)) {
      throw new ActorError(
        "invalid_key",
        `key component ${i} is not well-formed unicode (lone surrogate)`,
      );
    }
    const bytes = utf8ByteLength(part);
    if (bytes > MAX_KEY_COMPONENT_BYTES) {
      throw new ActorError(
        "invalid_key",
        `key component ${i} is ${bytes} UTF-8 bytes; the limit is ${MAX_KEY_COMPONENT_BYTES}`,
      );
    }
    out.push(part);
  }
  return out;
}

const keySchema = z.array(z.string());
const createSchema = z.object({
  name: z.string(),
  key: keySchema,
  input: z.unknown().optional(),
  region: z.string().optional(),
});

/** The zod schema of an actor query: an object with exactly one of the four forms. */
export const actorQuerySchema = z.union([
  z.strictObject({ getForId: z.object({ actorId: z.string() }) }),
  z.strictObject({ getForKey: z.object({ name: z.string(), key: keySchema }) }),
  z.strictObject({ getOrCreateForKey: createSchema }),
  z.strictObject({ create: createSchema }),
]);

/** How a client names the actor it wants (docs/protocol.md, "Actor queries"). */
export type ActorQuery =
  | { getForId: { actorId: string } }
  | { getForKey: { name: string; key: string[] } }
  | { getOrCreateForKey: { name: string; key: string[]; input?: unknown; region?: string } }
  | { create: { name: string; key: string[]; input?: unknown; region?: string } };

const QUERY_FORMS = ["getForId", "getForKey", "getOrCreateForKey", "create"] as const;

/** Options of {@link parseQuery}. */
export interface ParseQueryOptions {
  /**
   * Decode a `{ "$cbor": "<base64>" }` input now (default true). The manager passes false and
   * calls {@link decodeQueryInput} after onAuth, so an anonymous caller's CBOR is never decoded.
   */
  decodeInput?: boolean;
}

/**
 * Parses the `x-actor-query` header (or a decoded `actor.query.` subprotocol). Throws
 * `invalid_request` when it is missing, `invalid_query` for bad JSON, nesting deeper than
 * MAX_NESTING_DEPTH or a bad shape, and `invalid_key` for a bad key. An input
 * `{ "$cbor": "<base64>" }` is replaced by the value its CBOR holds (see
 * {@link decodeQueryInput}), so inputs beyond JSON reach the actor exactly.
 */
export function parseQuery(
  json: string | null | undefined,
  options: ParseQueryOptions = {},
): ActorQuery {
  if (json === null || json === undefined || json === "") {
    throw new ActorError("invalid_request", "the actor query is missing (x-actor-query header)");
  }
  let raw: unknown;
  try {
    checkJsonDepth(json);
    raw = JSON.parse(json);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ActorError("invalid_query", `the actor query is not valid JSON: ${why}`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new ActorError(
      "invalid_query",
      `the actor query must be an object, got ${describe(raw)}`,
    );
  }
  const forms = Object.keys(raw);
  if (forms.length !== 1 || !(QUERY_FORMS as readonly string[]).includes(forms[0])) {
    throw new ActorError(
      "invalid_query",
      `the actor query must have exactly one of ${QUERY_FORMS.join(", ")}; got ${JSON.stringify(forms)}`,
    );
  }
  const body = (raw as Record<string, unknown>)[forms[0]];
  // Keys are checked first so a bad key gets its own code, naming the component.
  if (forms[0] !== "getForId" && typeof body === "object" && body !== null && "key" in body) {
    validateKey(body.key);
  }
  const result = actorQuerySchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.map(String).join(".") || "query"}: ${issue.message}`)
      .join("; ");
    throw new ActorError("invalid_query", `the actor query is malformed: ${problems}`);
  }
  const query = result.data as ActorQuery;
  return options.decodeInput === false ? query : decodeQueryInput(query);
}

/**
 * Replaces a `{ "$cbor": "<base64>" }` input of a create or getOrCreate query, in place, by the
 * value its CBOR holds, under the decoder policy (decode-policy.ts). Returns the query. Throws
 * `invalid_query` for base64 that is not standard or CBOR that does not decode or breaks the
 * policy.
 */
export function decodeQueryInput(query: ActorQuery): ActorQuery {
  if ("getOrCreateForKey" in query) unwrapInput(query.getOrCreateForKey);
  if ("create" in query) unwrapInput(query.create);
  return query;
}

/**
 * The JSON text of a query for the `x-actor-query` header. Non-ASCII characters are written as
 * `\uXXXX` escapes, since header values are ASCII. An input JSON cannot carry exactly (or one
 * that looks like a `$cbor` wrapper) is sent as `{ "$cbor": "<base64 of its CBOR>" }`. Throws
 * `invalid_key` for a bad key and `serialization_error` for an input no encoding carries.
 */
export function serializeQuery(query: ActorQuery): string {
  let out: unknown = query;
  if ("getForKey" in query) validateKey(query.getForKey.key);
  for (const form of ["getOrCreateForKey", "create"] as const) {
    if (form in query) {
      const body = (query as Record<string, { key: unknown; input?: unknown }>)[form];
      validateKey(body.key);
      if (body.input !== undefined && (!isJsonEncodable(body.input) || isCborWrapper(body.input))) {
        out = { [form]: { ...body, input: { $cbor: bytesToBase64(encodeCbor(body.input)) } } };
      }
    }
  }
  return asciiJson(out);
}

/**
 * Parses the `x-actor-conn-params` header: `undefined` when absent or empty, else the JSON value.
 * Throws `invalid_params` for JSON over {@link MAX_CONN_PARAMS_BYTES} bytes or invalid JSON.
 */
export function parseConnParams(header: string | null | undefined): unknown {
  if (header === null || header === undefined || header === "") return undefined;
  const bytes = utf8ByteLength(header);
  if (bytes > MAX_CONN_PARAMS_BYTES) {
    throw new ActorError(
      "invalid_params",
      `connection params are ${bytes} bytes; the limit is ${MAX_CONN_PARAMS_BYTES} bytes`,
    );
  }
  try {
    checkJsonDepth(header);
    return JSON.parse(header);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ActorError("invalid_params", `connection params are not valid JSON: ${why}`);
  }
}

/**
 * The ASCII JSON text of connection params for the `x-actor-conn-params` header; `undefined`
 * when params are `undefined` (omit the header). Throws `serialization_error` for a value JSON
 * cannot carry and `invalid_params` when the text exceeds {@link MAX_CONN_PARAMS_BYTES} bytes.
 */
export function serializeConnParams(params: unknown): string | undefined {
  if (params === undefined) return undefined;
  assertJsonEncodable(params, "params");
  const text = asciiJson(params);
  if (text.length > MAX_CONN_PARAMS_BYTES) {
    throw new ActorError(
      "invalid_params",
      `connection params are ${text.length} bytes as JSON; the limit is ${MAX_CONN_PARAMS_BYTES} bytes`,
    );
  }
  return text;
}

/** JSON text with every non-ASCII UTF-16 unit escaped, so it fits an HTTP header value. */
export function asciiJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[\u007f-\uffff]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

function isCborWrapper(value: unknown): value is { $cbor: unknown } {
  return (
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    Object.hasOwn(value, "$cbor")
  );
}

function unwrapInput(body: { input?: unknown }): void {
  if (!isCborWrapper(body.input)) return;
  const encoded = body.input.$cbor;
  const bytes = typeof encoded === "string" ? base64ToBytes(encoded) : undefined;
  if (bytes === undefined) {
    throw new ActorError(
      "invalid_query",
      'the query input "$cbor" must be a standard base64 string',
    );
  }
  try {
    body.input = decodeCbor(bytes);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new ActorError("invalid_query", `the query input "$cbor" is not valid CBOR: ${why}`);
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

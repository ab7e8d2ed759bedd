/**
 * Encoding, decoding and validating connection messages in either encoding, and their SSE
 * framing (docs/protocol.md, "Messages"; clause ERR-5).
 */
import type { z } from "zod";
import { ActorError } from "../actor/errors.ts";
import { base64ToBytes, bytesToBase64 } from "./base64.ts";
import { decodeValue, encodeValue } from "./encoding.ts";
import { assertWithinLimit, MAX_MESSAGE_BYTES } from "./limits.ts";
import {
  type Encoding,
  type ToClientMessage,
  type ToServerMessage,
  toClientMessageSchemas,
  toServerMessageSchemas,
} from "./messages.ts";

/**
 * Encodes a message for a client: JSON text for json (a WebSocket text frame), bytes for cbor (a
 * binary frame). Throws `serialization_error` naming the path (e.g. `output.when`) of a value the
 * encoding cannot carry.
 */
export function encodeToClient(msg: ToClientMessage, encoding: Encoding): string | Uint8Array {
  return encodeValue(msg, encoding);
}

/**
 * Decodes and validates a message from the server. Throws `malformed_message` for bytes that do
 * not decode, a text frame on cbor, or a value that is not a to-client message.
 */
export function decodeToClient(
  data: string | Uint8Array | ArrayBuffer,
  encoding: Encoding,
): ToClientMessage {
  return validate(
    decodeValue(data, encoding),
    toClientMessageSchemas,
    toClientChecks,
    "to-client",
  ) as ToClientMessage;
}

/** Encodes a message for the server; see {@link encodeToClient}. */
export function encodeToServer(msg: ToServerMessage, encoding: Encoding): string | Uint8Array {
  return encodeValue(msg, encoding);
}

/**
 * Decodes and validates a message from a client, in this order (clause ERR-5):
 * 1. size: more than `maxBytes` (UTF-8 bytes of text, or bytes of binary) is `message_too_large`,
 *    checked before any decoding;
 * 2. frame kind: text on cbor is `malformed_message`; binary on json is read as UTF-8 text, so
 *    a client that sends JSON in binary frames is understood;
 * 3. decoding: bad JSON or CBOR is `malformed_message`;
 * 4. shape: not a known message type, or wrong fields, is `malformed_message` naming the problem
 *    (e.g. `unknown message type "foo"`).
 */
export function decodeToServer(
  data: string | Uint8Array | ArrayBuffer,
  encoding: Encoding,
  maxBytes: number = MAX_MESSAGE_BYTES,
): ToServerMessage {
  assertWithinLimit(data, maxBytes, "message");
  return validate(
    decodeValue(data, encoding),
    toServerMessageSchemas,
    toServerChecks,
    "to-server",
  ) as ToServerMessage;
}

/**
 * The SSE `data:` payload of an encoded message: JSON text as it is (JSON.stringify never writes
 * a raw line break), CBOR bytes as standard base64 with padding (RFC 4648 section 4).
 */
export function toSseData(frame: string | Uint8Array): string {
  return typeof frame === "string" ? frame : bytesToBase64(frame);
}

/**
 * The encoded message carried by an SSE `data:` payload: the text itself for json, the bytes of
 * the base64 for cbor. Throws `malformed_message` for cbor data that is not padded base64.
 */
export function fromSseData(data: string, encoding: Encoding): string | Uint8Array {
  if (encoding === "json") return data;
  const bytes = base64ToBytes(data.trim());
  if (bytes === undefined) {
    throw new ActorError("malformed_message", "cbor SSE data is not standard padded base64");
  }
  return bytes;
}

type SchemaTable = Record<string, z.ZodType>;

/** A message of one type as read from the wire, its `type` already checked. */
type Fields = Record<string, unknown>;

/**
 * A check of one message type written out by hand: the message its schema would produce (known
 * fields only, optional ones kept exactly when present) when `fields` surely passes the schema,
 * `undefined` otherwise, and the schema then decides and names the problem. Messages are checked
 * on every frame, and these checks cost a fraction of a schema parse.
 */
type FastCheck = (fields: Fields) => object | undefined;

/** `z.int().min(0)`: a non-negative safe integer. */
function isId(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/** Copies the optional field `key` when present; false when present and not `valid`. */
function copyOptional(
  from: Fields,
  to: Fields,
  key: string,
  valid: (value: unknown) => boolean,
): boolean {
  if (!(key in from)) return true;
  const value = from[key];
  if (value !== undefined && !valid(value)) return false;
  to[key] = value;
  return true;
}

const anyValue = () => true;
const isString = (value: unknown) => typeof value === "string";

function checkSubscription(fields: Fields): object | undefined {
  if (typeof fields.event !== "string") return undefined;
  const message: Fields = { type: fields.type, event: fields.event };
  return copyOptional(fields, message, "id", isId) ? message : undefined;
}

/** Hand-written checks of `toServerMessageSchemas`, same outcome on every input they accept. */
const toServerChecks = new Map<string, FastCheck>([
  [
    "action",
    (fields) =>
      isId(fields.id) && typeof fields.name === "string" && Array.isArray(fields.args)
        ? { type: "action", id: fields.id, name: fields.name, args: fields.args }
        : undefined,
  ],
  ["subscribe", checkSubscription],
  ["unsubscribe", checkSubscription],
]);

/** Hand-written checks of `toClientMessageSchemas`, same outcome on every input they accept. */
const toClientChecks = new Map<string, FastCheck>([
  [
    "action_response",
    (fields) => {
      if (!isId(fields.id)) return undefined;
      const message: Fields = { type: "action_response", id: fields.id };
      copyOptional(fields, message, "output", anyValue);
      return message;
    },
  ],
  [
    "error",
    (fields) => {
      if (typeof fields.code !== "string" || typeof fields.message !== "string") return undefined;
      const message: Fields = { type: "error", code: fields.code, message: fields.message };
      copyOptional(fields, message, "metadata", anyValue);
      return copyOptional(fields, message, "actionId", isId) ? message : undefined;
    },
  ],
  [
    "event",
    (fields) =>
      typeof fields.name === "string" && Array.isArray(fields.args)
        ? { type: "event", name: fields.name, args: fields.args }
        : undefined,
  ],
  [
    "subscription_ack",
    (fields) => (isId(fields.id) ? { type: "subscription_ack", id: fields.id } : undefined),
  ],
  ["heartbeat", () => ({ type: "heartbeat" })],
  [
    "disconnect",
    (fields) => {
      const message: Fields = { type: "disconnect" };
      return copyOptional(fields, message, "reason", isString) ? message : undefined;
    },
  ],
]);

function validate(
  value: unknown,
  schemas: SchemaTable,
  checks: ReadonlyMap<string, FastCheck>,
  direction: string,
): unknown {
  if (typeof value !== "object" || value === null || Array.isArray(value) || value instanceof Map) {
    throw new ActorError(
      "malformed_message",
      `${direction} message is ${kindOf(value)}, not an object`,
    );
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string") {
    throw new ActorError("malformed_message", `${direction} message has no string "type" field`);
  }
  const checked = checks.get(type)?.(value as Fields);
  if (checked !== undefined) return checked;
  const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (schema === undefined) {
    const known = Object.keys(schemas).join(", ");
    throw new ActorError(
      "malformed_message",
      `unknown ${direction} message type ${JSON.stringify(type)} (known: ${known})`,
    );
  }
  const result = schema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues
      .map((issue) => `${issue.path.map(String).join(".") || "message"}: ${issue.message}`)
      .join("; ");
    throw new ActorError("malformed_message", `${type} message is malformed: ${problems}`);
  }
  return result.data;
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (value instanceof Map) return "a Map";
  return `a ${typeof value}`;
}

/**
 * The message model: what travels on connections (WebSocket frames, SSE events, connection
 * message bodies) and in HTTP bodies. docs/protocol.md, "Messages".
 */
import { z } from "zod";

/** The protocol version this runtime speaks. */
export const PROTOCOL_VERSION = 1;

/** How values and messages are written: JSON text or CBOR bytes (docs/protocol.md, "Values"). */
export type Encoding = "json" | "cbor";
/** How a connection travels: one WebSocket, or an SSE stream plus POSTed messages. */
export type Transport = "websocket" | "sse";

/**
 * A message from a client on a connection. `id` is a non-negative integer the client picks to
 * match the `action_response` (or `error` with `actionId`) to its action.
 */
export type ToServerMessage =
  | { type: "action"; id: number; name: string; args: unknown[] }
  | { type: "subscribe"; event: string; id?: number }
  | { type: "unsubscribe"; event: string; id?: number };

/**
 * A message to a client. `init` is the first on every connection; an `error` with `actionId`
 * fails that action only, one without it is a connection error followed by a close.
 */
export type ToClientMessage =
  | {
      type: "init";
      actorId: string;
      connectionId: string;
      connectionToken: string;
      protocolVersion: number;
      /** How often the server sends a heartbeat on this connection, in ms. */
      heartbeatIntervalMs?: number;
    }
  | { type: "action_response"; id: number; output: unknown }
  /** The reply to a subscribe or unsubscribe that carried an `id`: the change is in force. */
  | { type: "subscription_ack"; id: number }
  /** Sent on an idle connection every `heartbeatIntervalMs` (WebSocket; SSE uses a comment). */
  | { type: "heartbeat" }
  /** The server ended this connection with `conn.disconnect(reason)`: do not reconnect. */
  | { type: "disconnect"; reason?: string }
  | { type: "error"; code: string; message: string; metadata?: unknown; actionId?: number }
  | { type: "event"; name: string; args: unknown[] };

/** An action id: a non-negative safe integer chosen by the client, unique per connection. */
const actionIdSchema = z.int().min(0);

/** Schemas of each to-server message, keyed by type (docs/protocol.md, "Messages"). */
export const toServerMessageSchemas = {
  action: z.object({
    type: z.literal("action"),
    id: actionIdSchema,
    name: z.string(),
    args: z.array(z.unknown()),
  }),
  subscribe: z.object({
    type: z.literal("subscribe"),
    event: z.string(),
    id: actionIdSchema.optional(),
  }),
  unsubscribe: z.object({
    type: z.literal("unsubscribe"),
    event: z.string(),
    id: actionIdSchema.optional(),
  }),
} as const;

/** Schemas of each to-client message, keyed by type (docs/protocol.md, "Messages"). */
export const toClientMessageSchemas = {
  init: z.object({
    type: z.literal("init"),
    actorId: z.string(),
    connectionId: z.string(),
    connectionToken: z.string(),
    protocolVersion: z.int(),
    heartbeatIntervalMs: z.int().positive().optional(),
  }),
  action_response: z.object({
    type: z.literal("action_response"),
    id: actionIdSchema,
    output: z.unknown().optional(),
  }),
  error: z.object({
    type: z.literal("error"),
    code: z.string(),
    message: z.string(),
    metadata: z.unknown().optional(),
    actionId: actionIdSchema.optional(),
  }),
  event: z.object({ type: z.literal("event"), name: z.string(), args: z.array(z.unknown()) }),
  subscription_ack: z.object({ type: z.literal("subscription_ack"), id: actionIdSchema }),
  heartbeat: z.object({ type: z.literal("heartbeat") }),
  disconnect: z.object({ type: z.literal("disconnect"), reason: z.string().optional() }),
} as const;

/** Validates any to-server message; unknown keys are dropped. */
export const toServerMessageSchema = z.discriminatedUnion("type", [
  toServerMessageSchemas.action,
  toServerMessageSchemas.subscribe,
  toServerMessageSchemas.unsubscribe,
]);

/** Validates any to-client message; unknown keys are dropped. */
export const toClientMessageSchema = z.discriminatedUnion("type", [
  toClientMessageSchemas.init,
  toClientMessageSchemas.action_response,
  toClientMessageSchemas.error,
  toClientMessageSchemas.event,
  toClientMessageSchemas.subscription_ack,
  toClientMessageSchemas.heartbeat,
  toClientMessageSchemas.disconnect,
]);

// Compile-time proof that the schemas and the declared types have the same messages and fields,
// so the two cannot drift apart. Optionality is compared loosely: zod marks an `unknown` field
// optional, and `output` may be absent on the wire when the action returned undefined.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Filled<T> = T extends unknown ? Required<T> : never;
const schemasMatchTypes: [
  Same<z.infer<typeof toServerMessageSchema>, ToServerMessage>,
  Same<Filled<z.infer<typeof toClientMessageSchema>>, Filled<ToClientMessage>>,
] = [true, true];
void schemasMatchTypes;

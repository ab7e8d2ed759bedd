/**
 * The ClientDriver: what the client API needs from a way of reaching actors. The HTTP client
 * driver speaks the manager router's public protocol; the inline client driver calls a
 * ManagerDriver in process. Both implement exactly this interface, so every client feature
 * behaves the same over both (docs/protocol.md).
 */

import type { Encoding, ToServerMessage } from "../protocol/messages.ts";
import type { ActorQuery } from "../protocol/query.ts";
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";
import type { ClientActorError } from "./errors.ts";

/** Options shared by calls that address an actor. */
export interface DriverCallOptions {
  /** Connection params; sent as JSON (at most 4096 bytes). `undefined` sends none. */
  params?: unknown;
  /** Aborts the call; the call then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Options of calls that carry encoded bodies or messages. */
export interface DriverEncodedCallOptions extends DriverCallOptions {
  encoding: Encoding;
}

/** Callbacks of an SSE stream opened by `connectSse`. */
export interface SseHandlers {
  /** One SSE event's `data` (the JSON text, or base64 of the CBOR bytes), in order. */
  onMessage(data: string): void;
  /**
   * The stream ended (server closed it, network failure) after it had opened. Called at most
   * once, and never after `close()`. `error` is set when the end carried a known cause.
   */
  onClose(error?: ClientActorError): void;
  /**
   * Optional: called for every chunk of the stream's body, comment lines (heartbeats) included,
   * so the connection can tell a live but quiet stream from a dead one.
   */
  onActivity?(): void;
}

/** An open SSE stream. */
export interface SseStream {
  /** Stops reading and releases the request. Idempotent; `onClose` is not called afterwards. */
  close(): void;
}

/**
 * The transport-level operations behind the client API. Every method rejects with a
 * `ClientActorError` (runtime catalogue, user or client catalogue code), never anything else.
 */
export interface ClientDriver {
  /** A short name for messages and tests: "http" or "inline". */
  readonly kind: string;
  /**
   * Resolves an actor query to an actor id, creating the actor for `getOrCreateForKey` and
   * `create` queries. Rejects `actor_not_found`, `actor_already_exists`, `invalid_key`, ... as
   * the manager router does (MGR-1..MGR-5).
   */
  resolve(query: ActorQuery, options: DriverEncodedCallOptions): Promise<string>;
  /**
   * Runs one stateless action (`POST /action/:name`) and resolves its output. Rejects with the
   * action's error, with identical code, message and metadata over every driver (ERR-2).
   */
  action(
    query: ActorQuery,
    name: string,
    args: unknown[],
    options: DriverEncodedCallOptions,
  ): Promise<unknown>;
  /**
   * Raw HTTP to the actor's `onFetch`. `path` is the subpath and query string, delivered byte for
   * byte (ROUTE-6); "" reaches the actor as "/". The actor's Response (or a router's error
   * Response, status and `{ code, message }` body) is returned, never thrown.
   */
  rawFetch(
    query: ActorQuery,
    path: string,
    init: RequestInit,
    options: DriverCallOptions,
  ): Promise<Response>;
  /**
   * Raw WebSocket to the actor's `onWebSocket` at subpath `path` (with query string). The
   * caller's `protocols` reach the actor in `sec-websocket-protocol`. Resolves once open.
   */
  rawWebSocket(
    query: ActorQuery,
    path: string,
    protocols: string[],
    options: DriverCallOptions,
  ): Promise<UniversalWebSocket>;
  /**
   * Opens a connection socket (`/connect/websocket`). Resolves once the socket is open; the
   * first message the server sends on it is `init` or an `error` followed by a close.
   */
  connectWebSocket(
    query: ActorQuery,
    options: DriverEncodedCallOptions,
  ): Promise<UniversalWebSocket>;
  /**
   * Opens a connection event stream (`/connect/sse`). Resolves once the response status is 200
   * with `text/event-stream`; rejects with the decoded error when the server refuses it.
   */
  connectSse(
    query: ActorQuery,
    options: DriverEncodedCallOptions,
    handlers: SseHandlers,
  ): Promise<SseStream>;
  /**
   * Posts one to-server message for an SSE connection (`/connections/message`), authorized by
   * the connection token from `init`. Resolves once the server accepted it; rejects with its
   * error (`conn_not_found`, `incorrect_conn_token`, `message_too_large`, ...) (CONN-10).
   */
  sendConnectionMessage(
    actorId: string,
    connectionId: string,
    connectionToken: string,
    message: ToServerMessage,
    options: DriverEncodedCallOptions,
  ): Promise<void>;
}

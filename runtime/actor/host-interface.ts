/**
 * What an actor host (the actor router, the local actor host) may call on a running actor
 * instance, and what it hands the instance for each connection. The routers speak only this.
 */

import type { ActorKey } from "../driver/manager-driver.ts";
import type { Encoding, ToClientMessage, ToServerMessage } from "../protocol/messages.ts";
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";

/** How a connection reaches its client. The host owns the socket or stream behind it. */
export interface ConnectionTransport {
  readonly kind: "websocket" | "sse" | "http";
  readonly encoding: Encoding;
  /**
   * Sends one message, in order. Encodes with `encoding`; throws an ActorError of code
   * `serialization_error` when a value cannot be encoded. No-op for kind "http".
   */
  send(message: ToClientMessage): void;
  /**
   * Optional: sends a message already encoded by `encodeToClient(message, this.encoding)`, so a
   * broadcast encodes once per encoding rather than once per connection. Same ordering as `send`.
   */
  sendEncoded?(payload: string | Uint8Array): void;
  /** Ends the transport; a WebSocket closes with 1000 and `reason`. Idempotent. */
  close(reason?: string): void;
  /**
   * Optional: sends one heartbeat (a `heartbeat` message on a WebSocket, a comment line on SSE).
   * Transports that have it get one every `connectionHeartbeatInterval` ms while open.
   */
  heartbeat?(): void;
}

/** Who is connecting, as the routers established it. */
export interface ConnectRequest {
  /** Connection params from the client, `undefined` when none were sent. */
  params: unknown;
  /** What onAuth returned on the public path; `undefined` on the inline path. */
  authData: unknown;
  /** The request that opened the connection (headers, URL) as the actor router received it. */
  request: Request;
  transport: ConnectionTransport;
}

/** A connection as the host sees it. */
export interface HostConnection {
  readonly id: string;
  readonly token: string;
}

/**
 * The surface of a started actor instance that hosts call. Every method may reject with an
 * ActorError; anything else is an internal error.
 */
export interface ActorInstanceHost {
  readonly actorId: string;
  readonly name: string;
  readonly key: ActorKey;
  readonly region: string;

  /**
   * A stateless action: a full connect, action, disconnect cycle with an "http" transport
   * (onBeforeConnect, onConnect and onDisconnect each run once). Resolves the action's output
   * after the state it changed is written (PERSIST-2).
   */
  runStatelessAction(
    name: string,
    args: unknown[],
    connect: Omit<ConnectRequest, "transport">,
  ): Promise<unknown>;
  /**
   * Opens a connection: onBeforeConnect, createConnState, registration, `init` sent as the
   * first message, then onConnect. Rejects (and sends nothing) if onBeforeConnect throws.
   * If onConnect throws or times out, the connection is removed (onDisconnect runs once) and
   * connect rejects with that error after `init` went out: the host ends the transport as for
   * any setup failure (close code 4000 + status, reason the error code).
   */
  connect(request: ConnectRequest): Promise<HostConnection>;
  /** Handles one decoded message from a connection. Action replies and errors go to its transport. */
  handleMessage(connectionId: string, message: ToServerMessage): Promise<void>;
  /** The transport behind `connectionId` ended: onDisconnect runs once (CONN-9). Idempotent. */
  closeConnection(connectionId: string): Promise<void>;
  /** The connection with this id and token; rejects `conn_not_found` / `incorrect_conn_token`. */
  authorizeConnection(connectionId: string, token: string): HostConnection;
  /** Raw HTTP to onFetch; `request.url` is `http://actor/<subpath>?<query>`. */
  handleFetch(request: Request, authData: unknown): Promise<Response>;
  /** Raw WebSocket to onWebSocket; the socket is open; the actor owns it from here. */
  handleWebSocket(socket: UniversalWebSocket, request: Request, authData: unknown): Promise<void>;
  /** Runs every scheduled event that is due, in timestamp order, then re-arms the alarm. */
  onAlarm(): Promise<void>;
  /** Final save, every connection closed, timers cleared. Idempotent. */
  stop(): Promise<void>;
}

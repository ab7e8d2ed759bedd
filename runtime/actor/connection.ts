/**
 * Connections: the `Conn` actor code sees (`c.conn`, `c.conns`), and its implementation over a
 * host-owned ConnectionTransport. Connections are not persisted: each rides a live transport,
 * and a client that loses it reconnects and gets a new connection.
 */

import { notEnabled } from "./context.ts";
import type { ConnectionTransport, HostConnection } from "./host-interface.ts";

/**
 * One client connection. Type parameters: CP params, CS connection state, AD auth data.
 */
export interface Conn<CP = any, CS = any, AD = any> {
  /** Random UUID, unique per connection. */
  readonly id: string;
  /** The params the client connected with; `undefined` when it sent none (CONN-2). */
  readonly params: CP;
  /**
   * This connection's own state (CONN-3), from `connState` or `createConnState`; assignable.
   * Throws `conn_state_not_enabled` when the actor declares neither.
   */
  state: CS;
  /** What onAuth returned for this caller; `undefined` on the inline path (AUTH-4). */
  readonly auth: AD;
  /** The events this connection subscribed to. */
  readonly subscriptions: ReadonlySet<string>;
  /**
   * Sends event `event` with `args` to this connection only, subscribed or not (CONN-5).
   * Throws `serialization_error` when an argument cannot be encoded in its encoding.
   */
  send(event: string, ...args: unknown[]): void;
  /**
   * Closes the transport with `reason` (CONN-6); resolves once onDisconnect has run (it runs
   * once whichever side ends the connection, CONN-9).
   */
  disconnect(reason?: string): Promise<void>;
}

/** What a connection is built from. @internal */
export interface ConnectionInit {
  params: unknown;
  auth: unknown;
  transport: ConnectionTransport;
  /** The request carried `x-actor-internal-expose-errors: 1` (inline path, ERR-4). */
  exposeErrors: boolean;
  /** `{ value }` when connection state is enabled. */
  connState: { value: unknown } | undefined;
  /** Ends the connection on the instance (transport close, then onDisconnect once). */
  disconnect(conn: ConnectionImpl, reason: string | undefined): Promise<void>;
}

/** A live connection. @internal */
export class ConnectionImpl implements Conn, HostConnection {
  readonly id: string = crypto.randomUUID();
  #token: string | undefined;
  /**
   * 32 random bytes, base64url; authorizes SSE connection messages (CONN-10). Made on first
   * read: a stateless action's connection never needs one.
   */
  get token(): string {
    this.#token ??= randomToken();
    return this.#token;
  }
  readonly subscriptions = new Set<string>();
  readonly params: unknown;
  readonly auth: unknown;
  readonly transport: ConnectionTransport;
  readonly exposeErrors: boolean;
  /** Settles when onConnect has finished; messages wait for it so actions see its effects. */
  ready: Promise<void> = Promise.resolve();
  /** True once `ready` has settled: messages then need not wait a turn for it. */
  isReady = true;
  /** True once removed from the instance; later messages get `conn_not_found`. */
  closed = false;
  #connState: { value: unknown } | undefined;
  readonly #disconnect: ConnectionInit["disconnect"];

  constructor(init: ConnectionInit) {
    this.params = init.params;
    this.auth = init.auth;
    this.transport = init.transport;
    this.exposeErrors = init.exposeErrors;
    this.#connState = init.connState;
    this.#disconnect = init.disconnect;
  }

  get state(): any {
    if (!this.#connState)
      notEnabled("conn_state_not_enabled", "conn.state", "`connState` or `createConnState`");
    return this.#connState.value;
  }

  set state(value: any) {
    if (!this.#connState)
      notEnabled("conn_state_not_enabled", "conn.state", "`connState` or `createConnState`");
    this.#connState.value = value;
  }

  send(event: string, ...args: unknown[]): void {
    if (this.closed) return;
    this.transport.send({ type: "event", name: event, args });
  }

  disconnect(reason?: string): Promise<void> {
    return this.#disconnect(this, reason);
  }

  /** Compares `token` with this connection's token in constant time. */
  tokenMatches(token: string): boolean {
    if (token.length !== this.token.length) return false;
    let diff = 0;
    for (let i = 0; i < token.length; i++) diff |= token.charCodeAt(i) ^ this.token.charCodeAt(i);
    return diff === 0;
  }
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

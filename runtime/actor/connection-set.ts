/**
 * The connections of one instance: opening (connect hooks, `init`), closing (onDisconnect once),
 * token checks, subscriptions and broadcast, and error replies.
 */
import { HEADER_EXPOSE_ERRORS } from "../protocol/headers.ts";
import { encodeToClient } from "../protocol/message-codec.ts";
import type { Encoding, ToClientMessage } from "../protocol/messages.ts";
import { withTimeout } from "./action-runner.ts";
import { ConnectionImpl } from "./connection.ts";
import type { ActorContext } from "./context.ts";
import type { AnyActorDefinition } from "./definition.ts";
import { ActorError, connectionNotFound, deconstructError } from "./errors.ts";
import type { ConnectRequest } from "./host-interface.ts";

/** What a connection set needs from its instance. @internal */
export interface ConnectionSetOptions {
  config: AnyActorDefinition["config"];
  /** The actor context hooks receive. */
  context(): ActorContext;
  /** `name/["key"]` of the actor, for messages. */
  label: string;
  onError(message: string, error: unknown, data?: Record<string, unknown>): void;
  /** Runs after each connection hook: state change detection. Never rejects. */
  afterHook(): Promise<void>;
}

/** The live connections of one instance. @internal */
export class ConnectionSet {
  /** Open connections by id (`c.conns`, CONN-4). */
  readonly map = new Map<string, ConnectionImpl>();
  /** Event name to subscribed connections, in subscription order. */
  readonly #subscribers = new Map<string, Set<ConnectionImpl>>();
  /** Heartbeat timers of connections whose transport has one (docs/protocol.md, "Heartbeats"). */
  readonly #heartbeats = new Map<ConnectionImpl, ReturnType<typeof setInterval>>();
  /** Closes in progress, so concurrent closers all wait for the one onDisconnect. */
  readonly #closing = new Map<string, Promise<void>>();
  readonly #o: ConnectionSetOptions;

  constructor(options: ConnectionSetOptions) {
    this.#o = options;
  }

  /**
   * Opens a connection: onBeforeConnect (a throw refuses it, nothing sent, CONN-7), connection
   * state (createConnState within its timeout, or a deep clone of `connState`), registration,
   * `init` as the first message, then onConnect within its timeout (CONN-8). When onConnect
   * throws or times out, the connection is removed (onDisconnect runs once) and the error is
   * rethrown: the host ends the transport as for any setup failure, with the error's code.
   */
  async open(
    request: ConnectRequest,
    init: (conn: ConnectionImpl) => ToClientMessage,
  ): Promise<ConnectionImpl> {
    const { config } = this.#o;
    const c = this.#o.context();
    const { params, authData, transport } = request;
    const options = { params, request: request.request };
    let connState: { value: unknown } | undefined;
    try {
      await config.onBeforeConnect?.(c, options);
      if (config.createConnState) {
        const ms = config.options.createConnStateTimeout;
        const value = await withTimeout(config.createConnState(c, options), ms, () =>
          hookTimeout("createConnState", ms),
        );
        connState = { value };
      } else if (config.connState !== undefined) {
        connState = { value: structuredClone(config.connState) };
      }
    } finally {
      await this.#o.afterHook();
    }
    const conn = new ConnectionImpl({
      params,
      auth: authData,
      transport,
      exposeErrors: request.request.headers.get(HEADER_EXPOSE_ERRORS) === "1",
      connState,
      disconnect: (target, reason) => this.disconnect(target, reason),
    });
    this.map.set(conn.id, conn);
    let markReady!: () => void;
    conn.ready = new Promise<void>((resolve) => {
      markReady = resolve;
    });
    conn.isReady = false;
    // Registered first, so it runs before the messages that waited for `ready` resume.
    void conn.ready.then(() => {
      conn.isReady = true;
    });
    try {
      transport.send(init(conn));
      this.#startHeartbeat(conn);
      if (config.onConnect) {
        const ms = config.options.onConnectTimeout;
        await withTimeout(config.onConnect(c, conn), ms, () => hookTimeout("onConnect", ms));
      }
    } catch (error) {
      markReady();
      await this.close(conn.id);
      throw error;
    } finally {
      markReady();
      await this.#o.afterHook();
    }
    return conn;
  }

  /** The open connection `id`; throws `conn_not_found`. */
  require(id: string): ConnectionImpl {
    const conn = this.map.get(id);
    if (!conn)
      throw new ActorError(
        "conn_not_found",
        `actor ${this.#o.label} has no connection ${JSON.stringify(id)}`,
      );
    return conn;
  }

  /**
   * The connection `id` if `token` is its token; throws `conn_not_found` / `incorrect_conn_token`
   * (CONN-10). The `conn_not_found` message does not name the actor, so it reads the same as the
   * answer for an actor id that does not exist (docs/protocol.md, connection messages).
   */
  authorize(id: string, token: string): ConnectionImpl {
    const conn = this.map.get(id);
    if (!conn) throw connectionNotFound(id);
    if (typeof token !== "string" || !conn.tokenMatches(token)) {
      throw new ActorError(
        "incorrect_conn_token",
        `wrong token for connection ${JSON.stringify(id)} of actor ${this.#o.label}`,
      );
    }
    return conn;
  }

  /**
   * Removes connection `id` and runs onDisconnect once (CONN-9); its errors are logged. Resolves
   * when onDisconnect has finished; later and concurrent calls share that. Unknown ids resolve.
   */
  close(id: string): Promise<void> {
    const pending = this.#closing.get(id);
    if (pending) return pending;
    const conn = this.map.get(id);
    if (!conn) return Promise.resolve();
    const closing = this.#finish(conn).finally(() => this.#closing.delete(id));
    this.#closing.set(id, closing);
    return closing;
  }

  /**
   * `conn.disconnect(reason)`: tells the client it was disconnected (a `disconnect` message with
   * the reason, so the client does not reconnect and SSE clients learn the reason too), ends the
   * transport, then closes the connection (CONN-6, CONN-13).
   */
  async disconnect(conn: ConnectionImpl, reason: string | undefined): Promise<void> {
    if (!conn.closed) {
      try {
        conn.transport.send(
          reason === undefined ? { type: "disconnect" } : { type: "disconnect", reason },
        );
      } catch (error) {
        this.#o.onError("sending the disconnect notice failed", error, { connectionId: conn.id });
      }
      this.#closeTransport(conn, reason);
    }
    await this.close(conn.id);
  }

  /** Ends every transport with `reason` and closes every connection (stop). */
  async closeAll(reason: string): Promise<void> {
    const conns = [...this.map.values()];
    for (const conn of conns) this.#closeTransport(conn, reason);
    await Promise.all(conns.map((conn) => this.close(conn.id)));
  }

  subscribe(conn: ConnectionImpl, event: string): void {
    conn.subscriptions.add(event);
    let set = this.#subscribers.get(event);
    if (!set) {
      set = new Set();
      this.#subscribers.set(event, set);
    }
    set.add(conn);
  }

  unsubscribe(conn: ConnectionImpl, event: string): void {
    conn.subscriptions.delete(event);
    this.#dropSubscriber(conn, event);
  }

  /**
   * Sends event `name` to every connection subscribed to it, in call order (EVT-1..3). The
   * message is encoded once per encoding before anything is sent, so an argument an encoding
   * cannot carry throws `serialization_error` and reaches no one.
   */
  broadcast(name: string, args: unknown[]): void {
    const subscribers = this.#subscribers.get(name);
    if (!subscribers || subscribers.size === 0) return;
    const message: ToClientMessage = { type: "event", name, args };
    const targets = [...subscribers];
    const payloads = new Map<Encoding, string | Uint8Array>();
    for (const conn of targets) {
      const encoding = conn.transport.encoding;
      if (!payloads.has(encoding)) payloads.set(encoding, encodeToClient(message, encoding));
    }
    for (const conn of targets) {
      try {
        const { transport } = conn;
        if (transport.sendEncoded) transport.sendEncoded(payloads.get(transport.encoding)!);
        else transport.send(message);
      } catch (error) {
        this.#o.onError(`broadcast of ${JSON.stringify(name)} to a connection failed`, error, {
          connectionId: conn.id,
        });
      }
    }
  }

  /**
   * Sends an action's error to `conn` as `{ type: "error", code, message, metadata, actionId }`.
   * Internal errors are masked unless the connection was opened with the expose header (ERR-3,
   * ERR-4); masked errors are logged. Metadata the encoding cannot carry is replaced by a
   * `serialization_error` reply.
   */
  replyError(conn: ConnectionImpl, error: unknown, actionId: number): void {
    const shown = deconstructError(error, conn.exposeErrors);
    if (!(error instanceof ActorError) || !error.public) {
      this.#o.onError("action failed with an internal error", error, {
        connectionId: conn.id,
        actionId,
      });
    }
    const reply: ToClientMessage = {
      type: "error",
      code: shown.code,
      message: shown.message,
      actionId,
    };
    if (shown.metadata !== undefined) reply.metadata = shown.metadata;
    try {
      conn.transport.send(reply);
    } catch (sendError) {
      try {
        conn.transport.send({
          type: "error",
          code: "serialization_error",
          message: `the error of action ${actionId} cannot be encoded: ${(sendError as Error).message}`,
          actionId,
        });
      } catch (fallbackError) {
        this.#o.onError("sending an action error failed", fallbackError, {
          connectionId: conn.id,
          actionId,
        });
      }
    }
  }

  async #finish(conn: ConnectionImpl): Promise<void> {
    conn.closed = true;
    clearInterval(this.#heartbeats.get(conn));
    this.#heartbeats.delete(conn);
    this.map.delete(conn.id);
    for (const event of conn.subscriptions) this.#dropSubscriber(conn, event);
    try {
      await this.#o.config.onDisconnect?.(this.#o.context(), conn);
    } catch (error) {
      this.#o.onError("onDisconnect threw", error, { connectionId: conn.id });
    }
    await this.#o.afterHook();
  }

  #dropSubscriber(conn: ConnectionImpl, event: string): void {
    const set = this.#subscribers.get(event);
    if (!set) return;
    set.delete(conn);
    if (set.size === 0) this.#subscribers.delete(event);
  }

  #startHeartbeat(conn: ConnectionImpl): void {
    const { transport } = conn;
    if (!transport.heartbeat) return;
    const timer = setInterval(() => {
      try {
        transport.heartbeat!();
      } catch (error) {
        this.#o.onError("sending a heartbeat failed", error, { connectionId: conn.id });
      }
    }, this.#o.config.options.connectionHeartbeatInterval);
    // Heartbeats never keep a process alive; the connection's close clears the timer anyway.
    (timer as { unref?: () => void }).unref?.();
    this.#heartbeats.set(conn, timer);
  }

  #closeTransport(conn: ConnectionImpl, reason: string | undefined): void {
    try {
      conn.transport.close(reason);
    } catch (error) {
      this.#o.onError("closing a connection transport failed", error, { connectionId: conn.id });
    }
  }
}

function hookTimeout(hook: string, ms: number): ActorError {
  return new ActorError("internal_error", `${hook} did not finish within ${ms} ms`);
}

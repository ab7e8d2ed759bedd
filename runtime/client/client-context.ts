/**
 * What one client shares with its handles and connections: the driver, the chosen encoding and
 * transport, and the bookkeeping that lets `client.dispose()` close everything it opened.
 */
import type { Encoding, Transport } from "../protocol/messages.ts";
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";
import { WS_CLOSED, WS_CLOSING } from "../routing/universal-websocket.ts";
import type { ClientDriver } from "./client-driver.ts";
import type { ActorConnection, ConnectionOptions } from "./connection.ts";
import { runtimeError, toClientError } from "./errors.ts";
import { combineSignals } from "./sockets.ts";

/** Connection tuning a client passes to every connection it opens. */
export type ConnectionDefaults = Pick<
  ConnectionOptions,
  | "connectTimeoutMs"
  | "reconnectInitialMs"
  | "reconnectMaxMs"
  | "maxReconnectAttempts"
  | "actionTimeoutMs"
>;

/** @internal The shared state of one client. */
export class ClientContext {
  readonly #abort = new AbortController();
  readonly #connections = new Set<ActorConnection>();
  /** Connections with subscription changes not yet in force. */
  readonly #subscribing = new Set<ActorConnection>();
  readonly #sockets = new Set<UniversalWebSocket>();
  #disposed: Promise<void> | undefined;

  constructor(
    readonly driver: ClientDriver,
    readonly encoding: Encoding,
    readonly transport: Transport,
    readonly connectionDefaults: ConnectionDefaults,
  ) {}

  /** True once `dispose()` was called. */
  get disposed(): boolean {
    return this.#disposed !== undefined;
  }

  /**
   * Runs a driver call with a signal that aborts on `dispose()` (and on `signal`). After
   * `dispose()`, rejects with `connection_disposed` without calling. Errors thrown while building
   * the request (`invalid_key`, `invalid_params`, `serialization_error`) become ClientActorErrors
   * too, so callers see one error type.
   */
  run<T>(call: (signal: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.#disposed)
      return Promise.reject(runtimeError("connection_disposed", "the client was disposed"));
    // One controller per call, unlinked from the client's signal when the call settles: fetch
    // implementations drop their own abort listener only when the request is collected, so a
    // shared long-lived signal would gather a listener per call.
    const perCall = new AbortController();
    const abort = () => perCall.abort(this.#abort.signal.reason);
    if (this.#abort.signal.aborted) abort();
    else this.#abort.signal.addEventListener("abort", abort, { once: true });
    const combined = combineSignals(perCall.signal, signal)!;
    return call(combined)
      .catch((error: unknown) => {
        // An abort rejects with the signal's own reason; everything else is a ClientActorError.
        if (combined.aborted && error === combined.reason) throw error;
        throw toClientError(error);
      })
      .finally(() => this.#abort.signal.removeEventListener("abort", abort));
  }

  /** Remembers a connection until it is disposed. */
  adopt(connection: ActorConnection): void {
    if (this.#disposed) {
      void connection.dispose();
      return;
    }
    this.#connections.add(connection);
  }

  /** Forgets a disposed connection. */
  forget(connection: ActorConnection): void {
    this.#connections.delete(connection);
    this.#subscribing.delete(connection);
  }

  /** Records whether `connection` has subscription changes not yet in force. */
  notePending(connection: ActorConnection, pending: boolean): void {
    if (pending) this.#subscribing.add(connection);
    else this.#subscribing.delete(connection);
  }

  /**
   * Resolves once every subscription change made so far on this client's connections is in
   * force on the server; `undefined` when none is pending (then callers need not wait at all).
   * Actions wait for it, so "subscribe, then call an action that broadcasts" sees the event
   * whichever handle or connection the action goes through (docs/runtime.md, "Subscriptions").
   */
  subscriptionsSettled(): Promise<void> | undefined {
    const waits: Promise<void>[] = [];
    // Only connections that reported pending changes: an action costs nothing per connection.
    for (const connection of this.#subscribing) {
      const pending = connection.subscriptionsPending();
      if (pending) waits.push(pending);
    }
    return waits.length === 0 ? undefined : Promise.all(waits).then(() => undefined);
  }

  /** Remembers a raw WebSocket until it closes. */
  track(socket: UniversalWebSocket): void {
    if (this.#disposed) {
      socket.close(1000, "client disposed");
      return;
    }
    this.#sockets.add(socket);
    socket.addEventListener("close", () => this.#sockets.delete(socket));
  }

  /**
   * Aborts in-flight requests, disposes every connection and closes every raw WebSocket opened
   * through this client. Resolves once connections have closed. Idempotent.
   */
  dispose(): Promise<void> {
    this.#disposed ??= this.#dispose();
    return this.#disposed;
  }

  async #dispose(): Promise<void> {
    this.#abort.abort(runtimeError("connection_disposed", "the client was disposed"));
    const closing = [...this.#connections].map((c) => c.dispose());
    const sockets = [...this.#sockets].map(
      (socket) =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WS_CLOSED) return resolve();
          // Bounded: a peer that never answers the close does not hold dispose() up.
          const timer = setTimeout(resolve, 2000);
          socket.addEventListener("close", () => {
            clearTimeout(timer);
            resolve();
          });
          if (socket.readyState !== WS_CLOSING) socket.close(1000, "client disposed");
        }),
    );
    await Promise.all([...closing, ...sockets]);
  }
}

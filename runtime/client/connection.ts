/**
 * A stateful connection to an actor (`handle.connect()`): actions matched to replies by id,
 * event subscriptions, connection errors, and reconnection with backoff (CONN-1, CONN-11,
 * EVT-1..EVT-5).
 */
import type {
  Encoding,
  ToClientMessage,
  ToServerMessage,
  Transport,
} from "../protocol/messages.ts";
import type { ActorQuery } from "../protocol/query.ts";
import type { ClientDriver } from "./client-driver.ts";
import { type EventListener, EventListeners, ListenerSet } from "./connection-events.ts";
import {
  type ConnectionLink,
  errorFromClose,
  type LinkClosed,
  openSseLink,
  openWebSocketLink,
} from "./connection-link.ts";
import { type PendingAction, PendingWork } from "./connection-pending.ts";
import {
  type ClientActorError,
  clientError,
  errorFromPayload,
  runtimeError,
  toClientError,
} from "./errors.ts";

/**
 * Where a connection is: `connecting` (first attempt), `open` (init received), `reconnecting`
 * (the transport dropped after an init; retrying with backoff), `failed` (the first attempt
 * failed; terminal), `disposed` (terminal).
 */
export type ConnectionStatus = "connecting" | "open" | "reconnecting" | "failed" | "disposed";

/** Options of a connection; the client fills them from its own options and the handle's. */
export interface ConnectionOptions {
  driver: ClientDriver;
  query: ActorQuery;
  encoding: Encoding;
  transport: Transport;
  params: unknown;
  /** Longest wait for `init` per attempt, in ms (default 10,000); then `connect_timed_out`. */
  connectTimeoutMs?: number;
  /** First reconnect delay, in ms (default 100); doubles per failed attempt. */
  reconnectInitialMs?: number;
  /** Largest reconnect delay, in ms (default 5,000). Each delay is jittered to 50-100%. */
  reconnectMaxMs?: number;
  /** Called once when the connection is disposed (the client forgets it). */
  onDispose?: () => void;
}

/** How the transport of an open connection ended, as given to `onClose` listeners. */
export interface ConnectionCloseInfo {
  code: number;
  reason: string;
}

/**
 * The connection itself. Use it through `handle.connect()`, which wraps it so that
 * `conn.increment(5)` is `conn.action("increment", 5)`.
 *
 * Guarantees: every action settles (its reply, its error, `connection_closed` when the transport
 * drops while it is in flight, `connection_disposed` after `dispose()`); actions called before
 * `init` or while reconnecting are queued and sent after the next `init`; a failed attempt rejects
 * what waits on it with that attempt's error. The first attempt failing (refused by the server,
 * timed out, network) makes the connection `failed`; after one `init`, drops reconnect forever
 * (until disposed), with a new server-side connection each time and every event that has
 * listeners subscribed again.
 */
export class ActorConnection {
  readonly #options: ConnectionOptions;
  #query: ActorQuery;
  #status: ConnectionStatus = "connecting";
  #generation = 0;
  #link: ConnectionLink | undefined;
  #initialized = false;
  #attemptTimer: ReturnType<typeof setTimeout> | undefined;
  #attemptAbort: AbortController | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #failedAttempts = 0;
  #failure: ClientActorError | undefined;
  readonly #work = new PendingWork();
  readonly #events = new EventListeners(
    (name) => this.#sendSubscription({ type: "subscribe", event: name }),
    (name) => this.#sendSubscription({ type: "unsubscribe", event: name }),
  );
  readonly #errors = new ListenerSet<[ClientActorError]>("connection onError");
  readonly #opens = new ListenerSet<[]>("connection onOpen");
  readonly #closes = new ListenerSet<[ConnectionCloseInfo]>("connection onClose");
  #actorId: string | undefined;
  #connectionId: string | undefined;
  #disposed: Promise<void> | undefined;
  /** The current attempt's open, settled once its link is adopted or closed (never rejects). */
  #opening: Promise<void> | undefined;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    this.#query = options.query;
    this.#startAttempt();
  }

  /** The connection's status; see {@link ConnectionStatus}. */
  get status(): ConnectionStatus {
    return this.#status;
  }

  /** The actor id from the latest `init`; `undefined` before the first. */
  get actorId(): string | undefined {
    return this.#actorId;
  }

  /** The server-side connection id from the latest `init` (new after each reconnect). */
  get connectionId(): string | undefined {
    return this.#connectionId;
  }

  /** The transport this connection uses. */
  get transport(): Transport {
    return this.#options.transport;
  }

  /**
   * Resolves when the connection is open (now, or at the next `init`). Rejects with the error of
   * the attempt it waited on, with the first attempt's error once `failed`, and with
   * `connection_disposed` after `dispose()`.
   */
  waitForOpen(): Promise<void> {
    if (this.#status === "open") return Promise.resolve();
    if (this.#status === "failed") return Promise.reject(this.#failure);
    if (this.#status === "disposed") return Promise.reject(this.#disposedError());
    return this.#work.waitForOpen();
  }

  /**
   * Calls an action over the connection and resolves its output. Rejects with the action's
   * error (same code, message and metadata as over HTTP, ERR-2), `serialization_error` for an
   * argument the encoding cannot carry, `connection_closed` when the transport drops while the
   * action is in flight, `connection_disposed` after `dispose()`.
   */
  action(name: string, ...args: unknown[]): Promise<unknown> {
    if (this.#status === "disposed") return Promise.reject(this.#disposedError());
    if (this.#status === "failed") return Promise.reject(this.#failure);
    const { pending, promise } = this.#work.createAction(name, args);
    if (this.#status === "open") this.#send(pending);
    else this.#work.queue(pending);
    return promise;
  }

  /**
   * Listens to event `name`; returns a function that removes the listener. The first listener
   * of a name subscribes the connection; removing the last one unsubscribes it (EVT-2).
   */
  on(name: string, listener: EventListener): () => void {
    return this.#events.on(name, listener);
  }

  /** Like {@link on}, but the listener runs for the first event only (EVT-5). */
  once(name: string, listener: EventListener): () => void {
    return this.#events.once(name, listener);
  }

  /** Listens to connection errors: `error` messages without an action id, setup refusals, malformed frames. */
  onError(listener: (error: ClientActorError) => void): () => void {
    return this.#errors.add(listener);
  }

  /** Listens to each `init` (the first open and every reconnect). */
  onOpen(listener: () => void): () => void {
    return this.#opens.add(listener);
  }

  /** Listens to the transport of an open connection ending (server close, network) (CONN-6). */
  onClose(listener: (info: ConnectionCloseInfo) => void): () => void {
    return this.#closes.add(listener);
  }

  /**
   * Closes the transport and stops reconnecting; pending and queued actions and open waiters
   * reject with `connection_disposed`. Resolves once the transport has closed. Idempotent.
   */
  dispose(): Promise<void> {
    this.#disposed ??= this.#dispose();
    return this.#disposed;
  }

  async #dispose(): Promise<void> {
    this.#status = "disposed";
    this.#generation++;
    clearTimeout(this.#attemptTimer);
    clearTimeout(this.#reconnectTimer);
    const error = this.#disposedError();
    this.#attemptAbort?.abort(error);
    this.#work.rejectWaiting(error, true);
    const link = this.#link;
    this.#link = undefined;
    this.#options.onDispose?.();
    // An attempt still opening closes its link as soon as it has one; wait for that too.
    // dispose() never rejects: a transport failing while it closes is already gone.
    await Promise.allSettled([link?.close(), this.#opening]);
  }

  #disposedError(): ClientActorError {
    return runtimeError("connection_disposed", "the connection was disposed");
  }

  #startAttempt(): void {
    const generation = ++this.#generation;
    const abort = new AbortController();
    this.#attemptAbort = abort;
    const timeoutMs = this.#options.connectTimeoutMs ?? 10_000;
    this.#attemptTimer = setTimeout(() => {
      const over =
        this.#options.transport === "sse" ? " (does the driver stream SSE bodies? ROUTE-2)" : "";
      this.#attemptFailed(
        generation,
        clientError(
          "connect_timed_out",
          `no init within ${timeoutMs} ms over ${this.#options.transport}${over}`,
        ),
      );
    }, timeoutMs);
    const open = this.#options.transport === "sse" ? openSseLink : openWebSocketLink;
    // A stream may deliver `init` before the open promise's continuation runs; such early events
    // wait until the link is known, so replies to the queue flush have a link to go out on.
    let early: Array<() => void> | undefined = [];
    const handle = (fn: () => void) => {
      if (generation !== this.#generation) return;
      if (early) early.push(fn);
      else fn();
    };
    this.#opening = open({
      driver: this.#options.driver,
      query: this.#query,
      encoding: this.#options.encoding,
      params: this.#options.params,
      signal: abort.signal,
      events: {
        message: (message) => handle(() => this.#onMessage(message, generation)),
        malformed: (error) => handle(() => this.#emitError(error)),
        closed: (info) => handle(() => this.#onLinkClosed(info, generation)),
      },
    }).then(
      async (link) => {
        if (generation !== this.#generation) {
          await link.close();
          return;
        }
        this.#link = link;
        const events = early ?? [];
        early = undefined;
        for (const fn of events) {
          if (generation === this.#generation) fn();
        }
      },
      (error) => this.#attemptFailed(generation, toClientError(error)),
    );
  }

  #onMessage(message: ToClientMessage, generation: number): void {
    switch (message.type) {
      case "init":
        this.#onInit(message);
        return;
      case "action_response":
        this.#work.settle(message.id, { output: message.output });
        return;
      case "error": {
        const error = errorFromPayload(message)!;
        // `actionId` 0 is a real id: compare against undefined, never by truthiness.
        if (message.actionId !== undefined) {
          this.#work.settle(message.actionId, { error });
          return;
        }
        this.#emitError(error);
        // Before init an error is the server refusing this attempt; the close that follows is moot.
        if (this.#status !== "open") this.#attemptFailed(generation, error, true);
        return;
      }
      case "event":
        this.#events.emit(message.name, message.args);
    }
  }

  #onInit(message: ToClientMessage & { type: "init" }): void {
    clearTimeout(this.#attemptTimer);
    this.#status = "open";
    this.#initialized = true;
    this.#failedAttempts = 0;
    this.#actorId = message.actorId;
    this.#connectionId = message.connectionId;
    // Reconnect to this very actor: a create query would fail, a key query could find a new one.
    this.#query = { getForId: { actorId: message.actorId } };
    for (const name of this.#events.names())
      this.#sendSubscription({ type: "subscribe", event: name });
    for (const pending of this.#work.takeQueued()) this.#send(pending);
    this.#work.opened();
    this.#opens.emit();
  }

  #send(pending: PendingAction): void {
    const link = this.#link;
    if (!link) {
      this.#work.queue(pending);
      return;
    }
    this.#work.sent(pending);
    link.send(pending.message).catch((error) => this.#work.fail(pending, toClientError(error)));
  }

  #sendSubscription(message: ToServerMessage): void {
    // Subscriptions are never queued: every `init` subscribes each event that has listeners.
    if (this.#status !== "open" || !this.#link) return;
    this.#link.send(message).catch((error) => this.#emitError(toClientError(error)));
  }

  #emitError(error: ClientActorError): void {
    this.#errors.emit(error);
  }

  #onLinkClosed(info: LinkClosed, generation: number): void {
    if (this.#status !== "open") {
      this.#attemptFailed(generation, errorFromClose(info));
      return;
    }
    this.#link = undefined;
    this.#generation++;
    this.#status = "reconnecting";
    const error = runtimeError(
      "connection_closed",
      `the connection closed while the action was in flight (code ${info.code}${info.reason ? `, ${info.reason}` : ""})`,
    );
    this.#work.rejectInFlight(error);
    this.#closes.emit({ code: info.code, reason: info.reason });
    this.#scheduleReconnect();
  }

  #attemptFailed(generation: number, error: ClientActorError, alreadyReported = false): void {
    if (generation !== this.#generation) return;
    this.#generation++;
    clearTimeout(this.#attemptTimer);
    this.#attemptAbort?.abort(error);
    const link = this.#link;
    this.#link = undefined;
    void link?.close();
    if (!alreadyReported) this.#emitError(error);
    if (!this.#initialized) {
      this.#status = "failed";
      this.#failure = error;
      this.#work.rejectWaiting(error, false);
      return;
    }
    // A reconnect attempt failed: what waited on it learns why; the next attempt is scheduled.
    this.#work.rejectWaiting(error, false);
    this.#failedAttempts++;
    this.#scheduleReconnect();
  }

  #scheduleReconnect(): void {
    const initial = this.#options.reconnectInitialMs ?? 100;
    const max = this.#options.reconnectMaxMs ?? 5000;
    const base = Math.min(max, initial * 2 ** this.#failedAttempts);
    const delay = base * (0.5 + Math.random() * 0.5);
    clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = setTimeout(() => {
      if (this.#status === "disposed") return;
      this.#startAttempt();
    }, delay);
  }
}

/**
 * A stateful connection to an actor (`handle.connect()`): actions matched to replies by id,
 * event subscriptions, connection errors, heartbeats, and reconnection with backoff (CONN-1,
 * CONN-11, CONN-13, EVT-1..EVT-5).
 */
import type { ToClientMessage, ToServerMessage, Transport } from "../protocol/messages.ts";
import type { ActorQuery } from "../protocol/query.ts";
import { type EventListener, EventListeners, ListenerSet } from "./connection-events.ts";
import {
  type ConnectionLink,
  errorFromClose,
  type LinkClosed,
  openSseLink,
  openWebSocketLink,
} from "./connection-link.ts";
import type {
  ConnectionCloseInfo,
  ConnectionOptions,
  ConnectionStatus,
} from "./connection-options.ts";
import { type PendingAction, PendingWork } from "./connection-pending.ts";
import {
  ClientActorError,
  clientError,
  errorFromPayload,
  runtimeError,
  toClientError,
} from "./errors.ts";
import { HeartbeatWatchdog } from "./heartbeat-watchdog.ts";

export type {
  ConnectionCloseInfo,
  ConnectionOptions,
  ConnectionStatus,
} from "./connection-options.ts";

/**
 * The connection itself. Use it through `handle.connect()`, which wraps it so that
 * `conn.increment(5)` is `conn.action("increment", 5)`.
 *
 * Guarantees: every action settles (its reply, its error, `connection_closed` when the transport
 * drops while it is in flight, `action_reply_timed_out` past `actionTimeoutMs`,
 * `connection_disposed` after `dispose()`); actions called before `init` or while reconnecting
 * are queued and sent after the next `init`; a failed attempt rejects what waits on it with that
 * attempt's error. The first attempt failing (refused by the server, timed out, network) makes
 * the connection `failed`. After one `init`, a dropped or silent transport (no message and no
 * heartbeat for 2.5 heartbeat intervals) reconnects with backoff, with a new server-side
 * connection each time and every event that has listeners subscribed again, until
 * `maxReconnectAttempts` attempts in a row fail. `conn.disconnect(reason)` on the server is
 * final: the connection becomes `disconnected`, `onClose` gets code 1000 and the reason over
 * every transport, and it never reconnects.
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
  /** Subscription changes sent and not yet in force (acknowledged, or moot). */
  readonly #pendingSubscriptions = new Set<Promise<void>>();
  /** Acknowledgements awaited over WebSocket, by subscription message id. */
  readonly #subscriptionAcks = new Map<number, () => void>();
  #nextSubscriptionId = 0;
  /** Set while subscriptions made before the first `init` wait for it. */
  #beforeInit: { promise: Promise<void>; resolve(): void } | undefined;
  /** What `onSubscriptionsPending` was last told. */
  #reportedPending = false;
  /** Actions waiting on the subscription barrier, so later ones keep call order behind them. */
  #gate: Promise<void> = Promise.resolve();
  #gated = 0;
  readonly #watchdog = new HeartbeatWatchdog();

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
   * the attempt it waited on, with the error that ended it once `failed` or `disconnected`, and
   * with `connection_disposed` after `dispose()`.
   */
  waitForOpen(): Promise<void> {
    if (this.#status === "open") return Promise.resolve();
    if (this.#status === "failed" || this.#status === "disconnected")
      return Promise.reject(this.#failure);
    if (this.#status === "disposed") return Promise.reject(this.#disposedError());
    return this.#work.waitForOpen();
  }

  /**
   * Resolves once every subscription change made so far on this connection is in force on the
   * server (or moot: the connection closed); `undefined` when none is pending. Before the first
   * `init`, that includes the subscriptions `init` will send.
   */
  subscriptionsPending(): Promise<void> | undefined {
    // Asked before every action of the client, on every connection: the common answer is free.
    if (this.#pendingSubscriptions.size === 0 && !this.#beforeInit) return undefined;
    const waits = [...this.#pendingSubscriptions];
    if (this.#beforeInit) waits.push(this.#beforeInit.promise);
    if (waits.length === 0) return undefined;
    return Promise.all(waits).then(() => undefined);
  }

  /**
   * Calls an action over the connection and resolves its output. Rejects with the action's
   * error (same code, message and metadata as over HTTP, ERR-2), `serialization_error` for an
   * argument the encoding cannot carry, `connection_closed` when the transport drops while the
   * action is in flight (or the server disconnected the connection), `action_reply_timed_out`
   * when no reply came within `actionTimeoutMs`, `connection_disposed` after `dispose()`.
   * The action is sent once the client's pending subscription changes are in force.
   */
  action(name: string, ...args: unknown[]): Promise<unknown> {
    const ended = this.#endedError();
    if (ended) return Promise.reject(ended);
    const timeoutMs = this.#options.actionTimeoutMs ?? 90_000;
    const { pending, promise } = this.#work.createAction(name, args, timeoutMs, () =>
      clientError(
        "action_reply_timed_out",
        `action ${JSON.stringify(name)} got no reply within ${timeoutMs} ms over ${this.#options.transport}`,
      ),
    );
    const barrier = this.#options.subscriptionBarrier?.();
    if (barrier === undefined && this.#gated === 0) {
      this.#dispatch(pending);
      return promise;
    }
    this.#gated++;
    this.#gate = this.#gate
      .then(() => barrier)
      .then(() => {
        this.#gated--;
        this.#dispatch(pending);
      });
    return promise;
  }

  /**
   * Listens to event `name`; returns a function that removes the listener. The first listener
   * of a name subscribes the connection; removing the last one unsubscribes it (EVT-2). Actions
   * the same client starts afterwards, on any handle or connection, are sent once the
   * subscription is in force, so an event they cause reaches this listener.
   */
  on(name: string, listener: EventListener): () => void {
    return this.#events.on(name, listener);
  }

  /** Like {@link on}, but the listener runs for the first event only (EVT-5). */
  once(name: string, listener: EventListener): () => void {
    return this.#events.once(name, listener);
  }

  /**
   * Listens to connection errors: `error` messages without an action id, setup refusals,
   * malformed frames, `heartbeat_timed_out` when the transport went silent.
   */
  onError(listener: (error: ClientActorError) => void): () => void {
    return this.#errors.add(listener);
  }

  /** Listens to each `init` (the first open and every reconnect). */
  onOpen(listener: () => void): () => void {
    return this.#opens.add(listener);
  }

  /**
   * Listens to the transport of an open connection ending: a server close, a network failure,
   * a silent transport the client gave up on, or `conn.disconnect(reason)` on the server (code
   * 1000 and the reason, over every transport) (CONN-6).
   */
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
    this.#watchdog.stop();
    this.#settleSubscriptions();
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

  /** The error calls fail with once the connection ended for good; `undefined` while usable. */
  #endedError(): ClientActorError | undefined {
    if (this.#status === "disposed") return this.#disposedError();
    if (this.#status === "failed" || this.#status === "disconnected") return this.#failure;
    return undefined;
  }

  /** Sends an action now when open, queues it otherwise, fails it when the connection ended. */
  #dispatch(pending: PendingAction): void {
    const ended = this.#endedError();
    if (ended) pending.reject(ended);
    else if (this.#status === "open") this.#send(pending);
    else this.#work.queue(pending);
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
        message: (message) => {
          // Once the link is known (every message after the first few), no closure per message.
          if (early === undefined) {
            if (generation === this.#generation) this.#onMessage(message, generation);
          } else handle(() => this.#onMessage(message, generation));
        },
        malformed: (error) => handle(() => this.#emitError(error)),
        closed: (info) => handle(() => this.#onLinkClosed(info, generation)),
        activity: () => {
          if (generation === this.#generation) this.#watchdog.heard();
        },
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
    this.#watchdog.heard();
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
        return;
      case "subscription_ack": {
        const ack = this.#subscriptionAcks.get(message.id);
        this.#subscriptionAcks.delete(message.id);
        ack?.();
        return;
      }
      case "heartbeat":
        return;
      case "disconnect":
        this.#onDisconnected(message.reason ?? "");
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
    this.#startWatchdog(message.heartbeatIntervalMs);
    const subscribed = this.#events
      .names()
      .map((name) => this.#transmitSubscription({ type: "subscribe", event: name }));
    const beforeInit = this.#beforeInit;
    this.#beforeInit = undefined;
    this.#notePending();
    if (beforeInit) void Promise.all(subscribed).then(beforeInit.resolve);
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
    try {
      link.send(pending.message)?.catch((error) => this.#work.fail(pending, toClientError(error)));
    } catch (error) {
      this.#work.fail(pending, toClientError(error));
    }
  }

  #sendSubscription(message: ToServerMessage & { type: "subscribe" | "unsubscribe" }): void {
    // Not queued: every `init` subscribes each event that has listeners. Before the first init,
    // the client's barrier waits for that init's subscriptions.
    if (this.#status === "connecting" && !this.#initialized) {
      if (!this.#beforeInit) {
        let resolve!: () => void;
        const promise = new Promise<void>((r) => (resolve = r));
        this.#beforeInit = { promise, resolve };
        this.#notePending();
      }
      return;
    }
    if (this.#status !== "open" || !this.#link) return;
    void this.#transmitSubscription(message);
  }

  /**
   * Sends a subscription change on the current link and tracks it until it is in force: over
   * WebSocket until the server's `subscription_ack` for its id, over SSE until the POST is
   * answered (the server applies it before answering). Resolves, never rejects; a send failure
   * is reported to onError listeners.
   */
  #transmitSubscription(
    message: ToServerMessage & { type: "subscribe" | "unsubscribe" },
  ): Promise<void> {
    const link = this.#link;
    if (!link) return Promise.resolve();
    let done: Promise<void>;
    if (this.#options.transport === "websocket") {
      const id = this.#nextSubscriptionId++;
      // Bounded: a server that never acknowledges must not hold every later action forever.
      const bound = this.#options.connectTimeoutMs ?? 10_000;
      done = new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.#subscriptionAcks.delete(id);
          resolve();
        }, bound);
        this.#subscriptionAcks.set(id, () => {
          clearTimeout(timer);
          resolve();
        });
      });
      sendOn(link, { ...message, id }).catch((error) => {
        this.#subscriptionAcks.get(id)?.();
        this.#subscriptionAcks.delete(id);
        this.#emitError(toClientError(error));
      });
    } else {
      done = sendOn(link, message).catch((error) => this.#emitError(toClientError(error)));
    }
    this.#pendingSubscriptions.add(done);
    this.#notePending();
    void done.then(() => {
      this.#pendingSubscriptions.delete(done);
      this.#notePending();
    });
    return done;
  }

  /** Resolves every subscription wait: the link they rode is gone, so they are moot. */
  #settleSubscriptions(): void {
    for (const ack of this.#subscriptionAcks.values()) ack();
    this.#subscriptionAcks.clear();
    this.#beforeInit?.resolve();
    this.#beforeInit = undefined;
    this.#notePending();
  }

  /** Tells `onSubscriptionsPending` when this connection's pending state changed. */
  #notePending(): void {
    const pending = this.#pendingSubscriptions.size > 0 || this.#beforeInit !== undefined;
    if (pending === this.#reportedPending) return;
    this.#reportedPending = pending;
    this.#options.onSubscriptionsPending?.(pending);
  }

  #emitError(error: ClientActorError): void {
    this.#errors.emit(error);
  }

  /** Watches the open link for silence (docs/protocol.md, "Heartbeats"). */
  #startWatchdog(intervalMs: number | undefined): void {
    const generation = this.#generation;
    this.#watchdog.start(intervalMs, (silent) => {
      if (generation !== this.#generation || this.#status !== "open") return;
      this.#emitError(
        clientError(
          "heartbeat_timed_out",
          `nothing heard for ${silent} ms over ${this.#options.transport} (heartbeat every ${intervalMs} ms); reconnecting`,
        ),
      );
      const link = this.#link;
      this.#onLinkClosed({ code: 1006, reason: `no heartbeat for ${silent} ms` }, generation);
      void link?.close();
    });
  }

  /** The server ended this connection with `conn.disconnect(reason)`: final, no reconnect. */
  #onDisconnected(reason: string): void {
    if (this.#status !== "open") return;
    this.#generation++;
    this.#status = "disconnected";
    this.#watchdog.stop();
    this.#settleSubscriptions();
    const link = this.#link;
    this.#link = undefined;
    void link?.close();
    this.#failure = runtimeError(
      "connection_closed",
      `the server disconnected this connection${reason ? `: ${reason}` : ""}`,
    );
    this.#work.rejectWaiting(this.#failure, true);
    this.#closes.emit({ code: 1000, reason });
  }

  #onLinkClosed(info: LinkClosed, generation: number): void {
    if (this.#status !== "open") {
      this.#attemptFailed(generation, errorFromClose(info));
      return;
    }
    this.#link = undefined;
    this.#generation++;
    this.#status = "reconnecting";
    this.#watchdog.stop();
    this.#settleSubscriptions();
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
    this.#settleSubscriptions();
    const link = this.#link;
    this.#link = undefined;
    void link?.close();
    if (!alreadyReported) this.#emitError(error);
    this.#failedAttempts += this.#initialized ? 1 : 0;
    const limit = this.#options.maxReconnectAttempts ?? 10;
    // The first attempt failing, the actor gone, or too many failures in a row: give up.
    if (!this.#initialized || error.code === "actor_not_found" || this.#failedAttempts >= limit) {
      this.#status = "failed";
      this.#failure = this.#initialized ? clientErrorLike(error, this.#failedAttempts) : error;
      this.#work.rejectWaiting(this.#failure, false);
      return;
    }
    // A reconnect attempt failed: what waited on it learns why; the next attempt is scheduled.
    this.#work.rejectWaiting(error, false);
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

/** The error a connection gives up with after `attempts` failed reconnects: the last one's. */
function clientErrorLike(error: ClientActorError, attempts: number): ClientActorError {
  return new ClientActorError(
    error.code,
    `${error.message} (reconnecting gave up after ${attempts} failed attempt${attempts === 1 ? "" : "s"})`,
    error.metadata,
    error,
  );
}

/** `link.send(message)` as a promise, whether the link sends at once or asynchronously. */
function sendOn(link: ConnectionLink, message: ToServerMessage): Promise<void> {
  try {
    return link.send(message) ?? Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
}

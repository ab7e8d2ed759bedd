/**
 * A running actor instance: start sequence, actions, connections, raw handlers, alarms and
 * stop. Hosts reach it only through ActorInstanceHost (host-interface.ts).
 */
import type { ActorDriver } from "../driver/actor-driver.ts";
import type { ActorKey } from "../driver/manager-driver.ts";
import { PROTOCOL_VERSION, type ToServerMessage } from "../protocol/messages.ts";
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";
import { invokeAction, lookupAction } from "./action-runner.ts";
import type { Conn, ConnectionImpl } from "./connection.ts";
import { ConnectionSet } from "./connection-set.ts";
import {
  ActionContextImpl,
  type ActorContext,
  ActorContextImpl,
  type ActorLogger,
  type ContextHost,
  createActorLogger,
  defaultLog,
  type LogFunction,
  notEnabled,
} from "./context.ts";
import type { AnyActorDefinition } from "./definition.ts";
import { ActorError } from "./errors.ts";
import type {
  ActorInstanceHost,
  ConnectionTransport,
  ConnectRequest,
  HostConnection,
} from "./host-interface.ts";
import type { PersistedEvent } from "./persistence.ts";
import { runFetch, runWebSocket } from "./raw-handlers.ts";
import { ActorSchedule } from "./schedule.ts";
import { ActorAsleepError, runBoundedHook, SleepController, saveForSleep } from "./sleep.ts";
import { computeVars, readPersistedActor, startFailure } from "./start-sequence.ts";
import { StateStore } from "./state-store.ts";

/** What `startActorInstance` takes. */
export interface ActorInstanceOptions {
  definition: AnyActorDefinition;
  actorId: string;
  /** The registry name of the definition. */
  name: string;
  key: ActorKey;
  region: string;
  actorDriver: ActorDriver;
  /** Returns the inline client; `c.client()` calls it once, on first use. */
  createClient: () => unknown;
  /** Where the instance logs; defaults to warnings and errors on stderr. */
  log?: LogFunction;
  /**
   * Given by a host that can unload actors: the instance may then sleep (SLEEP-1). When it
   * begins to sleep it calls `onSleepStart` once with a promise of the outcome: true once the
   * sleep save resolved (the host drops the instance and tells the driver), false when the save
   * failed and the instance stays awake. Without it the instance never sleeps.
   */
  sleep?: { onSleepStart(slept: Promise<boolean>): void };
}

/**
 * Where an instance is in its life; actions and connections are served only while `running`.
 * `sleeping` and `asleep` refuse new work with ActorAsleepError, which the host retries on the
 * next instance (SLEEP-6).
 */
type Phase = "starting" | "running" | "sleeping" | "asleep" | "stopping" | "stopped";

/**
 * Starts an actor instance:
 * 1. reads the persisted blob: none is `actor_not_found`, unreadable is `persisted_data_corrupt`;
 * 2. first start only: `createState(c, { input })` or a deep clone of `state`, written at once,
 *    then `onCreate(c, { input })` (LIFE-1, MGR-6);
 * 3. every start: vars (a deep clone of `vars`, or `createVars(c, driverContext)` within
 *    `createVarsTimeout`), `onStart(c)` (LIFE-2), then `onWake(c)` when the last instance went
 *    to sleep (SLEEP-5), state written if the hooks changed it, the alarm armed for the earliest
 *    scheduled event.
 * A driver read that throws is `driver_error`. Any other failure rejects `actor_start_failed`
 * carrying the original message, with the original error as `cause`; nothing is left running.
 */
export async function startActorInstance(options: ActorInstanceOptions): Promise<ActorInstance> {
  const instance = new ActorInstance(options);
  await instance.start();
  return instance;
}

/** A started actor. See ActorInstanceHost for what each method promises. */
export class ActorInstance implements ActorInstanceHost {
  readonly actorId: string;
  readonly name: string;
  readonly key: ActorKey;
  readonly region: string;
  readonly log: ActorLogger;
  readonly #config: AnyActorDefinition["config"];
  readonly #options: ActorInstanceOptions;
  readonly #logFn: LogFunction;
  readonly #ctx: ActorContext;
  readonly #host: ContextHost;
  #store!: StateStore;
  #schedule!: ActorSchedule;
  readonly #conns: ConnectionSet;
  #phase: Phase = "starting";
  /** False until the initial state exists, so createState cannot read it. */
  #stateReady = false;
  #vars: { value: unknown } | undefined;
  #client: { value: unknown } | undefined;
  #stopping: Promise<void> | undefined;
  /** The sleep in progress: resolves true once asleep, false when it was abandoned. */
  #sleeping: Promise<boolean> | undefined;
  /** Idle tracking; undefined when the host cannot unload or the actor declares `noSleep`. */
  readonly #idle: SleepController | undefined;
  readonly #rawSockets = new Set<UniversalWebSocket>();

  constructor(options: ActorInstanceOptions) {
    this.#options = options;
    this.#config = options.definition.config;
    this.actorId = options.actorId;
    this.name = options.name;
    this.key = Object.freeze([...options.key]);
    this.region = options.region;
    this.#logFn = options.log ?? defaultLog;
    this.log = createActorLogger(this.#logFn, { actorId: this.actorId, name: this.name });
    this.#conns = new ConnectionSet({
      config: this.#config,
      context: () => this.#ctx,
      label: this.label,
      onError: (message, error, data) => this.#report(message, error, data),
      afterHook: async () => {
        await this.#checkpointQuietly();
        // A connection may just have closed (onDisconnect is a hook): the actor may be idle.
        this.#idle?.evaluate();
      },
    });
    if (options.sleep && !this.#config.options.noSleep) {
      this.#idle = new SleepController({
        timeoutMs: this.#config.options.sleepTimeout,
        openCount: () => this.#conns.map.size + this.#rawSockets.size,
        unsaved: () => this.#store.dirty,
        save: () => this.#store.flush(),
        sleep: () => this.#beginSleep(),
      });
    }
    this.#host = this.#contextHost();
    this.#ctx = new ActorContextImpl(this.#host);
  }

  /** `name/["key"]`, for messages. */
  get label(): string {
    this.#label ??= `${this.name}/${JSON.stringify(this.key)}`;
    return this.#label;
  }
  #label: string | undefined;

  /** The open connections (stateless-action connections included while they run). */
  get connections(): ReadonlyMap<string, Conn> {
    return this.#conns.map;
  }

  /** Runs the start sequence; see startActorInstance. @internal */
  async start(): Promise<void> {
    const data = await readPersistedActor(this.#options.actorDriver, this.actorId);
    this.#store = new StateStore({
      actorId: this.actorId,
      actorDriver: this.#options.actorDriver,
      data,
      saveIntervalMs: this.#config.options.stateSaveInterval,
      onStateChange: this.#config.onStateChange
        ? (state) => this.#config.onStateChange!(this.#ctx, state)
        : undefined,
      onError: (message, error) => this.#report(message, error),
    });
    this.#schedule = new ActorSchedule({
      actorId: this.actorId,
      actorDriver: this.#options.actorDriver,
      store: this.#store,
      assertAction: (name) => lookupAction(this.#config.actions, name, this.label),
      runEvent: (event) => this.#runEvent(event),
      isRunning: () => this.#phase === "running",
      onError: (message, error, extra) => this.#report(message, error, extra),
    });
    try {
      if (!data.initialized) await this.#initialize(data.input);
      else this.#store.resetCheckpoint();
      this.#stateReady = true;
      this.#vars = await computeVars(
        this.#config,
        this.#ctx,
        this.#options.actorDriver,
        this.actorId,
      );
      await this.#config.onStart?.(this.#ctx);
      if (data.asleep) await this.#wake();
      await this.#store.settle();
      this.#store.startPeriodicSave();
      await this.#schedule.arm();
      this.#phase = "running";
      this.#idle?.activate();
    } catch (error) {
      this.#phase = "stopped";
      await this.#store.close().catch(() => {});
      throw startFailure(error, this.actorId);
    }
  }

  /** The first start after a sleep: onWake once, and the blob no longer marked asleep (SLEEP-5). */
  async #wake(): Promise<void> {
    const { onWake } = this.#config;
    await runBoundedHook("onWake", onWake && (() => onWake(this.#ctx)), this.#sleepHookOptions);
    delete this.#store.data.asleep;
    this.#store.markDirty();
  }

  /** First start: initial state, written before onCreate so onCreate runs once (LIFE-1). */
  async #initialize(input: unknown): Promise<void> {
    const config = this.#config;
    let state: unknown;
    if (config.createState) {
      state = await config.createState(this.#ctx as ActorContext<undefined>, { input });
    } else if (config.state !== undefined) {
      state = structuredClone(config.state);
    }
    this.#store.state = state;
    this.#store.data.initialized = true;
    this.#store.markDirty();
    await this.#store.flush();
    this.#store.resetCheckpoint();
    this.#stateReady = true;
    await config.onCreate?.(this.#ctx, { input });
  }

  // ---- ActorInstanceHost -------------------------------------------------------------------

  runStatelessAction(
    name: string,
    args: unknown[],
    connect: Omit<ConnectRequest, "transport">,
  ): Promise<unknown> {
    return this.#track(async () => {
      // An unknown action fails before any connection hook runs (ACT-3).
      lookupAction(this.#config.actions, name, this.label);
      const conn = await this.#conns.open(
        { ...connect, transport: statelessTransport },
        this.#initMessage,
      );
      try {
        return await this.#executeAction(name, args, conn);
      } finally {
        await this.#conns.close(conn.id);
      }
    });
  }

  connect(request: ConnectRequest): Promise<HostConnection> {
    return this.#track(() => this.#conns.open(request, this.#initMessage));
  }

  async handleMessage(connectionId: string, message: ToServerMessage): Promise<void> {
    // An open connection keeps the actor awake; tracking also covers an action that outlives it.
    this.#idle?.begin();
    try {
      await this.#handleMessage(connectionId, message);
    } finally {
      this.#idle?.end();
    }
  }

  async #handleMessage(connectionId: string, message: ToServerMessage): Promise<void> {
    const conn = this.#conns.require(connectionId);
    // Messages wait for onConnect, so actions see its effects; FIFO keeps arrival order.
    if (!conn.isReady) await conn.ready;
    if (conn.closed) return;
    switch (message.type) {
      case "subscribe":
      case "unsubscribe":
        if (message.type === "subscribe") this.#conns.subscribe(conn, message.event);
        else this.#conns.unsubscribe(conn, message.event);
        // In force now: the client may wait for this before its next action (docs/runtime.md).
        if (message.id !== undefined)
          conn.transport.send({ type: "subscription_ack", id: message.id });
        return;
      case "action":
        return this.#connectionAction(conn, message.id, message.name, message.args);
      default:
        throw new ActorError(
          "malformed_message",
          `unknown message type ${JSON.stringify((message as { type?: unknown }).type)}`,
        );
    }
  }

  closeConnection(connectionId: string): Promise<void> {
    return this.#conns.close(connectionId);
  }

  authorizeConnection(connectionId: string, token: string): HostConnection {
    return this.#conns.authorize(connectionId, token);
  }

  handleFetch(request: Request, authData: unknown): Promise<Response> {
    return this.#track(async () => {
      try {
        return await runFetch(this.#config, this.#ctx, this.label, request, authData);
      } finally {
        await this.#checkpointQuietly();
      }
    });
  }

  handleWebSocket(socket: UniversalWebSocket, request: Request, authData: unknown): Promise<void> {
    return this.#track(async () => {
      // Held in #rawSockets until it closes; the close may leave the actor idle (SLEEP-2).
      socket.addEventListener("close", () => queueMicrotask(() => this.#idle?.evaluate()));
      try {
        await runWebSocket(
          this.#config,
          this.#ctx,
          this.label,
          { socket, request, authData },
          this.#rawSockets,
        );
      } finally {
        await this.#checkpointQuietly();
      }
    });
  }

  async onAlarm(): Promise<void> {
    // Asleep or sleeping: the host wakes the next instance for it (SLEEP-4).
    if (this.#phase === "sleeping" || this.#phase === "asleep")
      throw new ActorAsleepError(this.label);
    // An alarm that races stop() is harmless: the schedule was saved and is re-armed at start.
    if (this.#phase !== "running") return;
    this.#idle?.begin();
    try {
      await this.#schedule.onAlarm();
    } finally {
      this.#idle?.end();
    }
  }

  /**
   * Closes every connection (onDisconnect once each) and raw WebSocket, stops the periodic save
   * and writes what is pending. Idempotent; never rejects (a failed final save is logged).
   */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    // A sleep in progress finishes first; an actor that went to sleep has nothing left to stop.
    if (this.#sleeping) await this.#sleeping;
    if (this.#phase === "stopped" || this.#phase === "asleep") return;
    this.#idle?.stop();
    this.#phase = "stopping";
    try {
      await this.#conns.closeAll("actor stopping");
      for (const socket of [...this.#rawSockets]) {
        try {
          socket.close(1001, "actor stopping");
        } catch (error) {
          this.#report("closing a raw WebSocket failed", error);
        }
      }
      this.#rawSockets.clear();
      // Scheduled events the stop cut short are saved back into the schedule.
      this.#schedule?.keepUnfinished();
      // stop() is teardown: a final save that fails is reported, not thrown at the host.
      await this.#store.close().catch((error) => this.#report("final state save failed", error));
    } finally {
      this.#phase = "stopped";
    }
  }

  // ---- sleep ---------------------------------------------------------------------------------

  /**
   * Idle and due: refuse new work from now on (the host holds it for the next instance), run
   * onSleep and the sleep save, then report the outcome to the host (SLEEP-1, SLEEP-3, SLEEP-6).
   */
  #beginSleep(): void {
    if (this.#phase !== "running" || !this.#options.sleep) return;
    this.#phase = "sleeping";
    const { onSleep } = this.#config;
    this.#sleeping = saveForSleep({
      store: this.#store,
      onSleep: onSleep && (() => onSleep(this.#ctx)),
      ...this.#sleepHookOptions,
    }).then((slept) => {
      this.#phase = slept ? "asleep" : "running";
      if (!slept) this.#idle?.resume();
      this.#sleeping = undefined;
      return slept;
    });
    this.#options.sleep.onSleepStart(this.#sleeping);
  }

  get #sleepHookOptions() {
    return {
      hookTimeoutMs: this.#config.options.sleepHookTimeout,
      label: this.label,
      report: (message: string, error: unknown) => this.#report(message, error),
    };
  }

  /**
   * Runs `work` as a request of this instance: refused with ActorAsleepError once the instance
   * sleeps (nothing ran, so the host may hand it to the next instance), and counted as activity
   * while it runs, so the actor is not idle (SLEEP-2).
   */
  #track<T>(work: () => Promise<T>): Promise<T> {
    try {
      this.#assertRunning();
    } catch (error) {
      return Promise.reject(error);
    }
    this.#idle?.begin();
    return work().finally(() => this.#idle?.end());
  }

  // ---- actions -------------------------------------------------------------------------------

  /**
   * Runs an action for `conn` and settles state before returning (PERSIST-2): the output is
   * produced only after the write carrying the action's changes resolved.
   */
  async #executeAction(
    name: string,
    args: readonly unknown[],
    conn: ConnectionImpl | undefined,
  ): Promise<unknown> {
    this.#assertRunning();
    const fn = lookupAction(this.#config.actions, name, this.label);
    const ctx = new ActionContextImpl(this.#host, conn as Conn);
    let output: unknown;
    let failure: { error: unknown } | undefined;
    try {
      output = await invokeAction(fn, ctx, args, this.#config.options.actionTimeout, {
        actor: this.label,
        action: name,
      });
    } catch (error) {
      failure = { error };
    }
    try {
      await this.#store.settle();
    } catch (error) {
      if (!failure) throw error;
      this.#report(`saving state after action ${name} failed`, error);
    }
    if (failure) throw failure.error;
    return output;
  }

  async #connectionAction(
    conn: ConnectionImpl,
    id: number,
    name: string,
    args: unknown[],
  ): Promise<void> {
    let output: unknown;
    try {
      output = await this.#executeAction(name, args, conn);
    } catch (error) {
      this.#conns.replyError(conn, error, id);
      return;
    }
    try {
      conn.transport.send({ type: "action_response", id, output });
    } catch (error) {
      // Typically `serialization_error`: the output cannot travel in this connection's encoding.
      this.#conns.replyError(conn, error, id);
    }
  }

  async #runEvent(event: PersistedEvent): Promise<void> {
    try {
      const fn = lookupAction(this.#config.actions, event.action, this.label);
      const ctx = new ActionContextImpl(this.#host, undefined as unknown as Conn);
      await invokeAction(fn, ctx, event.args, this.#config.options.actionTimeout, {
        actor: this.label,
        action: event.action,
      });
    } finally {
      await this.#checkpointQuietly();
    }
  }

  // ---- helpers -------------------------------------------------------------------------------

  readonly #initMessage = (conn: ConnectionImpl) => ({
    type: "init" as const,
    actorId: this.actorId,
    connectionId: conn.id,
    connectionToken: conn.token,
    protocolVersion: PROTOCOL_VERSION,
    heartbeatIntervalMs: this.#config.options.connectionHeartbeatInterval,
  });

  #assertRunning(): void {
    if (this.#phase === "running") return;
    if (this.#phase === "sleeping" || this.#phase === "asleep")
      throw new ActorAsleepError(this.label);
    throw new ActorError("internal_error", `actor ${this.label} is ${this.#phase}`);
  }

  /** After a hook: detect state changes (onStateChange); the periodic save writes them. */
  async #checkpointQuietly(): Promise<void> {
    try {
      await this.#store.checkpoint();
    } catch (error) {
      this.#report("state after a hook cannot be persisted", error);
    }
  }

  #report(message: string, error: unknown, data?: Record<string, unknown>): void {
    this.log.error(message, {
      ...data,
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    });
  }

  #contextHost(): ContextHost {
    const self = this;
    const stateEnabled = this.#config.state !== undefined || this.#config.createState !== undefined;
    return {
      actorId: this.actorId,
      name: this.name,
      key: this.key,
      region: this.region,
      get conns() {
        return self.#conns.map;
      },
      get schedule() {
        return self.#schedule;
      },
      log: this.log,
      getState() {
        if (!stateEnabled) notEnabled("state_not_enabled", "c.state", "`state` or `createState`");
        if (!self.#stateReady) {
          throw new ActorError(
            "state_not_enabled",
            "c.state is not available inside createState; return the initial state instead",
          );
        }
        return self.#store.state;
      },
      setState(value) {
        if (!stateEnabled) notEnabled("state_not_enabled", "c.state", "`state` or `createState`");
        if (!self.#stateReady) {
          throw new ActorError(
            "state_not_enabled",
            "c.state is not available inside createState; return the initial state instead",
          );
        }
        self.#store.state = value;
      },
      getVars() {
        if (self.#vars === undefined) {
          if (self.#config.vars === undefined && self.#config.createVars === undefined) {
            notEnabled("vars_not_enabled", "c.vars", "`vars` or `createVars`");
          }
          throw new ActorError(
            "vars_not_enabled",
            "c.vars is not available before createVars has returned",
          );
        }
        return self.#vars.value;
      },
      broadcast: (name, args) => this.#conns.broadcast(name, args),
      client: () => {
        this.#client ??= { value: this.#options.createClient() };
        return this.#client.value;
      },
      saveState: (options) => this.#store.save(options?.immediate === true),
      sleep: () => this.#idle?.request(),
    };
  }
}

/** The transport of a stateless action's connection: nothing to send to (kind "http"). */
const statelessTransport: ConnectionTransport = {
  kind: "http",
  encoding: "json",
  send() {},
  close() {},
};

/**
 * The contexts actor code receives: `c` in hooks (ActorContext) and in actions (ActionContext),
 * and the small instance surface they are built on.
 */
import type { ActorKey } from "../driver/manager-driver.ts";
import type { Conn } from "./connection.ts";
import { ActorError } from "./errors.ts";

/** Log levels, lowest first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Where an instance writes its logs: one call per entry. */
export type LogFunction = (
  level: LogLevel,
  message: string,
  data?: Record<string, unknown>,
) => void;

/** `c.log`: entries carry the actor's name and id. */
export interface ActorLogger {
  debug(message: string, data?: Record<string, unknown>): void;
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** `c.schedule`: runs an action of this actor later, with a context that has no `conn`. */
export interface Schedule {
  /**
   * Runs `action(...args)` at or after `Date.now() + ms`. Resolves the event id once the event is
   * persisted (SCHED-1). Throws `action_not_found` for an unknown action and
   * `serialization_error` when an argument cannot be persisted.
   */
  after(ms: number, action: string, ...args: unknown[]): Promise<string>;
  /** Runs `action(...args)` at or after `timestampMs` (Unix epoch, ms); as `after` (SCHED-2). */
  at(timestampMs: number, action: string, ...args: unknown[]): Promise<string>;
}

/** Options of `c.saveState`. */
export interface SaveStateOptions {
  /** Write now instead of at the next periodic save (within `stateSaveInterval` ms). */
  immediate?: boolean;
}

/**
 * `c` in every hook. Type parameters: S state, CP connection params, CS connection state,
 * V vars, AD auth data (what onAuth returns).
 */
export interface ActorContext<S = any, CP = any, CS = any, V = any, AD = any> {
  /**
   * The actor's state. Mutate it or assign a new value; changes are detected and persisted
   * (PERSIST-1, PERSIST-2). Throws `state_not_enabled` when the actor declares no state, and
   * `invalid_state_type` when an assigned value cannot be persisted.
   */
  state: S;
  /** Per-instance, never persisted (VARS-1, VARS-2). Throws `vars_not_enabled` without vars. */
  readonly vars: V;
  readonly actorId: string;
  /** The registry name of this actor's definition (META-1). */
  readonly name: string;
  readonly key: ActorKey;
  readonly region: string;
  /** The open connections by id, stateless-action connections included while they run (CONN-4). */
  readonly conns: ReadonlyMap<string, Conn<CP, CS, AD>>;
  /**
   * Sends event `name` with `args` to every connection subscribed to it, in call order (EVT-1..3).
   * Throws `serialization_error` when an argument cannot be encoded for a subscriber's encoding.
   */
  broadcast(name: string, ...args: unknown[]): void;
  readonly schedule: Schedule;
  /** The inline client, created on first call; R is the client type for the registry. */
  client<R = unknown>(): R;
  /**
   * Persists state now (`immediate`) or at the next periodic save; resolves once written.
   * Rejects `driver_error` when the driver's write fails.
   */
  saveState(options?: SaveStateOptions): Promise<void>;
  /**
   * Asks the runtime to put this actor to sleep as soon as it is idle, without waiting for
   * `sleepTimeout` (SLEEP-1). Nothing is closed: an open connection or raw WebSocket, or work
   * in flight (the calling action included), delays the sleep until it ends. Ignored with
   * `noSleep`, and on a driver that keeps actors loaded.
   */
  sleep(): void;
  readonly log: ActorLogger;
}

/**
 * `c` in actions: an ActorContext plus the calling connection. For an action run by the schedule
 * `conn` is `undefined` (there is no caller).
 */
export interface ActionContext<S = any, CP = any, CS = any, V = any, AD = any>
  extends ActorContext<S, CP, CS, V, AD> {
  readonly conn: Conn<CP, CS, AD>;
}

/** What a context reads from its instance. @internal */
export interface ContextHost {
  readonly actorId: string;
  readonly name: string;
  readonly key: ActorKey;
  readonly region: string;
  readonly conns: ReadonlyMap<string, Conn>;
  readonly schedule: Schedule;
  readonly log: ActorLogger;
  getState(): unknown;
  setState(value: unknown): void;
  getVars(): unknown;
  broadcast(name: string, args: unknown[]): void;
  client(): unknown;
  saveState(options?: SaveStateOptions): Promise<void>;
  sleep(): void;
}

/** The ActorContext implementation: a thin view over the instance. @internal */
export class ActorContextImpl implements ActorContext {
  constructor(protected readonly host: ContextHost) {}
  get state(): any {
    return this.host.getState();
  }
  set state(value: any) {
    this.host.setState(value);
  }
  get vars(): any {
    return this.host.getVars();
  }
  get actorId(): string {
    return this.host.actorId;
  }
  get name(): string {
    return this.host.name;
  }
  get key(): ActorKey {
    return this.host.key;
  }
  get region(): string {
    return this.host.region;
  }
  get conns(): ReadonlyMap<string, Conn> {
    return this.host.conns;
  }
  get schedule(): Schedule {
    return this.host.schedule;
  }
  get log(): ActorLogger {
    return this.host.log;
  }
  broadcast(name: string, ...args: unknown[]): void {
    this.host.broadcast(name, args);
  }
  client<R = unknown>(): R {
    return this.host.client() as R;
  }
  saveState(options?: SaveStateOptions): Promise<void> {
    return this.host.saveState(options);
  }
  sleep(): void {
    this.host.sleep();
  }
}

/** The ActionContext implementation; `conn` is undefined for scheduled runs. @internal */
export class ActionContextImpl extends ActorContextImpl implements ActionContext {
  constructor(
    host: ContextHost,
    readonly conn: Conn,
  ) {
    super(host);
  }
}

/** Builds `c.log` over a log function, tagging entries with the actor. @internal */
export function createActorLogger(
  log: LogFunction,
  tags: { actorId: string; name: string },
): ActorLogger {
  const at =
    (level: LogLevel) =>
    (message: string, data?: Record<string, unknown>): void => {
      log(level, message, { actor: tags.name, actorId: tags.actorId, ...data });
    };
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/**
 * The log function used when the host passes none: warnings and errors to stderr, so user
 * errors swallowed by the runtime (onStateChange, scheduled events) are still visible.
 */
export const defaultLog: LogFunction = (level, message, data) => {
  if (level === "warn" || level === "error")
    console.error(`[actor ${level}] ${message}`, data ?? "");
};

/** Throws the `*_not_enabled` error for a member the actor did not declare. @internal */
export function notEnabled(
  code: "state_not_enabled" | "vars_not_enabled" | "conn_state_not_enabled",
  member: string,
  declaration: string,
): never {
  throw new ActorError(code, `${member} is not enabled: declare ${declaration} in actor({...})`);
}

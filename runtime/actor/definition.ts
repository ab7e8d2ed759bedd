/**
 * actor(): declares an actor type (state, vars, connection state, actions, hooks, options),
 * validates the declaration with zod and returns an ActorDefinition whose types the clients read.
 */
import { z } from "zod";
import { assertCborEncodable } from "../protocol/values.ts";
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";
import type { Conn } from "./connection.ts";
import type { ActionContext, ActorContext } from "./context.ts";

/** Timeouts and intervals of one actor type, all in ms. */
export interface ActorOptions {
  /** How long an async action may take before `action_timed_out` (ACT-4). Default 60000. */
  actionTimeout?: number;
  /** Bound on an async `createVars`; past it the start fails. Default 5000. */
  createVarsTimeout?: number;
  /** Bound on an async `createConnState`; past it the connection is refused. Default 5000. */
  createConnStateTimeout?: number;
  /** Bound on an async `onConnect`; past it the connection is closed. Default 5000. */
  onConnectTimeout?: number;
  /** Longest delay before a state change made outside an action is written. Default 1000. */
  stateSaveInterval?: number;
  /**
   * How long an actor stays idle before it sleeps (SLEEP-1): no open connection, no raw
   * WebSocket, no action, raw request or scheduled event in flight, and no pending save.
   * Default 30000. See docs/runtime.md, "Sleep and wake".
   */
  sleepTimeout?: number;
  /** Bound on an async `onSleep` or `onWake`; past it the hook is abandoned and logged. Default 5000. */
  sleepHookTimeout?: number;
  /**
   * True keeps the actor loaded while its driver runs: it never sleeps on idleness, and
   * `c.sleep()` is ignored. Default false.
   */
  noSleep?: boolean;
  /**
   * How often each WebSocket and SSE connection gets a heartbeat (a `heartbeat` message, an SSE
   * comment line), announced in `init`; a client that hears nothing for 2.5 intervals reports
   * the connection dead and reconnects. Default 15000 (docs/protocol.md, "Heartbeats").
   */
  connectionHeartbeatInterval?: number;
}

/** The defaults of ActorOptions. */
export const DEFAULT_ACTOR_OPTIONS: Readonly<Required<ActorOptions>> = Object.freeze({
  actionTimeout: 60_000,
  createVarsTimeout: 5_000,
  createConnStateTimeout: 5_000,
  onConnectTimeout: 5_000,
  stateSaveInterval: 1_000,
  sleepTimeout: 30_000,
  sleepHookTimeout: 5_000,
  noSleep: false,
  connectionHeartbeatInterval: 15_000,
});

/** Why onAuth is asked: the operations the caller's request may perform. */
export type AuthIntent = "get" | "create" | "connect" | "action";

/** What onAuth receives (it runs in the manager router, before the actor is reached). */
export interface OnAuthOptions<CP = unknown> {
  request: Request;
  intents: Set<AuthIntent>;
  /** Connection params as sent by the client, parsed; `undefined` when none. */
  params: CP;
}

/** Options of onBeforeConnect and createConnState. */
export interface ConnectOptions<CP = unknown> {
  params: CP;
  request: Request;
}

/** An action: a function of the context and the caller's arguments. */
export type ActionFunction<S, CP, CS, V, AD> = (
  c: ActionContext<S, CP, CS, V, AD>,
  ...args: any[]
) => any;

/**
 * Any actions record. The context parameter is `never` here on purpose: ActorConfig types
 * `actions` as `A & ActionsRecord<S, CP, CS, V, AD>`, so the context type reaches each action
 * from the second member, after TypeScript has inferred S and CS from every hook (a constraint
 * naming S or CS would be resolved before hooks such as createConnState are read).
 */
export type AnyActionsRecord = Record<string, (c: never, ...args: any[]) => any>;

/** The actions record of an actor whose context types are S, CP, CS, V, AD. */
export type ActionsRecord<S = any, CP = any, CS = any, V = any, AD = any> = Record<
  string,
  ActionFunction<S, CP, CS, V, AD>
>;

/**
 * What `actor()` takes. At most one of `state`/`createState`, `vars`/`createVars`,
 * `connState`/`createConnState`. Type parameters: S state, CP connection params, CS connection
 * state, V vars, I creation input, AD auth data, A the actions.
 */
export interface ActorConfig<S, CP, CS, V, I, AD, A extends AnyActionsRecord> {
  /** Initial state, deep-cloned for a new actor. Must be encodable (PERSIST-4). */
  state?: S;
  /**
   * Computes the initial state from the creation input, once per actor (LIFE-1, MGR-6).
   * `input` is typed `any` on purpose: a type parameter inferred from this hook's own parameter
   * annotation would stop TypeScript from passing the returned state type on to the actions.
   * Annotate it freely; type the input for clients with onCreate's `{ input }` annotation.
   */
  createState?: (
    c: ActorContext<undefined, undefined, undefined, undefined, undefined>,
    options: { input: I },
  ) => S | Promise<S>;
  /** Per-instance values, deep-cloned for each instance, never persisted (VARS-1). */
  vars?: V;
  /** Computes vars for each instance; gets `ActorDriver.getContext(actorId)` (VARS-2, VARS-3). */
  createVars?: (c: ActorContext<S, CP, CS, undefined, AD>, driverContext: any) => V | Promise<V>;
  /** Initial connection state, deep-cloned for each connection (CONN-3). */
  connState?: CS;
  /**
   * Computes each connection's state from its params and request (CONN-2). `params` is `any`
   * here for the reason given at `createState`; `c.conn.params` takes its type from the
   * `params` annotation of onBeforeConnect or onAuth.
   */
  createConnState?: (
    c: ActorContext<S, CP, undefined, V, AD>,
    options: ConnectOptions<CP>,
  ) => CS | Promise<CS>;
  /** The actions clients may call, by name. */
  actions: A & ActionsRecord<S, CP, CS, V, AD>;
  /** Runs once, on the actor's first start, after the initial state is written (LIFE-1). */
  onCreate?: (c: ActorContext<S, CP, CS, V, AD>, options: { input: I }) => void | Promise<void>;
  /** Runs on every instance start, before any action (LIFE-2). */
  onStart?: (c: ActorContext<S, CP, CS, V, AD>) => void | Promise<void>;
  /**
   * Runs once when the actor goes to sleep, before its state is saved and its instance dropped
   * (SLEEP-5): state it changes is saved. Nothing is open then (the actor is idle). Errors and a
   * run past `sleepHookTimeout` are logged; the sleep goes on.
   */
  onSleep?: (c: ActorContext<S, CP, CS, V, AD>) => void | Promise<void>;
  /**
   * Runs once on the first instance after a sleep, after `onStart` and before any request is
   * served (SLEEP-5), also when the wake follows a driver restart. Errors and a run past
   * `sleepHookTimeout` are logged; the actor still wakes.
   */
  onWake?: (c: ActorContext<S, CP, CS, V, AD>) => void | Promise<void>;
  /** Runs after an action or hook changed state, with the new state; errors are logged (PERSIST-6). */
  onStateChange?: (c: ActorContext<S, CP, CS, V, AD>, newState: S) => void | Promise<void>;
  /**
   * Runs in the manager router on public paths; its return value is `conn.auth` and the raw
   * handlers' `auth` (AUTH-1..4). Without it the actor is `forbidden` on public paths (AUTH-2).
   */
  onAuth?: (options: OnAuthOptions<CP>) => AD | Promise<AD>;
  /** Runs before a connection is accepted; a throw refuses it with the error's code (CONN-7). */
  onBeforeConnect?: (
    c: ActorContext<S, CP, CS, V, AD>,
    options: ConnectOptions<CP>,
  ) => void | Promise<void>;
  /** Runs once per connection, after `init` was sent (CONN-8). */
  onConnect?: (c: ActorContext<S, CP, CS, V, AD>, conn: Conn<CP, CS, AD>) => void | Promise<void>;
  /** Runs once per connection, whatever ended it (CONN-9). */
  onDisconnect?: (
    c: ActorContext<S, CP, CS, V, AD>,
    conn: Conn<CP, CS, AD>,
  ) => void | Promise<void>;
  /** Raw HTTP: `request.url` is `http://actor/<subpath>?<query>` (RAWHTTP-1). */
  onFetch?: (
    c: ActorContext<S, CP, CS, V, AD>,
    request: Request,
    options: { auth: AD },
  ) => Response | Promise<Response>;
  /** Raw WebSocket: the socket is open and the actor owns it (RAWWS-1). */
  onWebSocket?: (
    c: ActorContext<S, CP, CS, V, AD>,
    websocket: UniversalWebSocket,
    options: { request: Request; auth: AD },
  ) => void | Promise<void>;
  options?: ActorOptions;
}

/** A validated actor declaration; `config.options` has every default filled in. */
export interface ActorDefinition<S, CP, CS, V, I, AD, A extends AnyActionsRecord> {
  readonly kind: "actor-definition";
  readonly config: Readonly<Omit<ActorConfig<S, CP, CS, V, I, AD, A>, "actions" | "options">> & {
    /** The actions as declared (their own types, for ActionsOf). */
    readonly actions: A;
    readonly options: Readonly<Required<ActorOptions>>;
  };
}

/** Any actor definition, whatever its types. */
export type AnyActorDefinition = ActorDefinition<any, any, any, any, any, any, any>;

/**
 * The actions of a definition as a client calls them: no context parameter, always async.
 * `ActionsOf<typeof counter>` is `{ increment(x: number): Promise<number> }` for
 * `actions: { increment: (c, x: number) => c.state.count += x }`.
 */
export type ActionsOf<D extends AnyActorDefinition> = {
  [K in keyof D["config"]["actions"]]: D["config"]["actions"][K] extends (
    c: any,
    ...args: infer P
  ) => infer R
    ? (...args: P) => Promise<Awaited<R>>
    : never;
};

/** The state type of a definition. */
export type StateOf<D extends AnyActorDefinition> =
  D extends ActorDefinition<infer S, any, any, any, any, any, any> ? S : never;
/** The connection params type of a definition. */
export type ConnParamsOf<D extends AnyActorDefinition> =
  D extends ActorDefinition<any, infer CP, any, any, any, any, any> ? CP : never;
/** The creation input type of a definition. */
export type InputOf<D extends AnyActorDefinition> =
  D extends ActorDefinition<any, any, any, any, infer I, any, any> ? I : never;

const fn = (what: string) =>
  z.custom<(...args: any[]) => unknown>((v) => typeof v === "function", {
    message: `must be a function (${what})`,
  });
const optionalFn = (what: string) => fn(what).optional();
const ms = z
  .number({ message: "must be a number of ms" })
  .finite()
  .positive({ message: "must be a positive number of ms" });

const configSchema = z.strictObject({
  state: z.unknown().optional(),
  createState: optionalFn("c, { input }) => state"),
  vars: z.unknown().optional(),
  createVars: optionalFn("c, driverContext) => vars"),
  connState: z.unknown().optional(),
  createConnState: optionalFn("c, { params, request }) => connection state"),
  actions: z.record(z.string(), fn("c, ...args) => output"), {
    message: "is required: an object of action functions",
  }),
  onCreate: optionalFn("c, { input })"),
  onStart: optionalFn("c)"),
  onSleep: optionalFn("c)"),
  onWake: optionalFn("c)"),
  onStateChange: optionalFn("c, newState)"),
  onAuth: optionalFn("{ request, intents, params }) => authData"),
  onBeforeConnect: optionalFn("c, { params, request })"),
  onConnect: optionalFn("c, conn)"),
  onDisconnect: optionalFn("c, conn)"),
  onFetch: optionalFn("c, request, { auth }) => Response"),
  onWebSocket: optionalFn("c, websocket, { request, auth })"),
  options: z
    .strictObject({
      actionTimeout: ms.optional(),
      createVarsTimeout: ms.optional(),
      createConnStateTimeout: ms.optional(),
      onConnectTimeout: ms.optional(),
      stateSaveInterval: ms.optional(),
      sleepTimeout: ms.optional(),
      sleepHookTimeout: ms.optional(),
      noSleep: z.boolean({ message: "must be a boolean" }).optional(),
      connectionHeartbeatInterval: ms.optional(),
    })
    .optional(),
});

const EXCLUSIVE_PAIRS = [
  ["state", "createState"],
  ["vars", "createVars"],
  ["connState", "createConnState"],
] as const;

/**
 * Declares an actor type. Throws a TypeError naming the bad member: an unknown option, a hook
 * that is not a function, both members of a pair (`state`/`createState`, `vars`/`createVars`,
 * `connState`/`createConnState`), a `state` the persistence encoding cannot carry, or a
 * `vars`/`connState` that cannot be deep-cloned.
 *
 * @example
 * const counter = actor({
 *   state: { count: 0 },
 *   actions: { increment: (c, x: number) => (c.state.count += x) },
 * });
 */
export function actor<S, CP, CS, V, I, AD, A extends AnyActionsRecord>(
  config: ActorConfig<S, CP, CS, V, I, AD, A>,
): ActorDefinition<S, CP, CS, V, I, AD, A> {
  if (typeof config !== "object" || config === null) {
    throw new TypeError("actor(): expected a config object with at least `actions`");
  }
  const parsed = configSchema.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    if (issue.code === "unrecognized_keys") {
      const keys = issue.keys.map((k) => `\`${[...issue.path, k].join(".")}\``).join(", ");
      throw new TypeError(`actor(): unknown option ${keys}`);
    }
    throw new TypeError(`actor(): \`${issue.path.join(".") || "config"}\` ${issue.message}`);
  }
  for (const [plain, factory] of EXCLUSIVE_PAIRS) {
    if (config[plain] !== undefined && config[factory] !== undefined) {
      throw new TypeError(`actor(): both \`${plain}\` and \`${factory}\` given; choose one`);
    }
  }
  if (config.state !== undefined) {
    try {
      assertCborEncodable(config.state, "state");
    } catch (error) {
      throw new TypeError(`actor(): \`state\` cannot be persisted: ${(error as Error).message}`);
    }
  }
  for (const member of ["vars", "connState"] as const) {
    if (config[member] === undefined) continue;
    try {
      structuredClone(config[member]);
    } catch (error) {
      throw new TypeError(
        `actor(): \`${member}\` cannot be deep-cloned (${(error as Error).message}); use \`create${member[0].toUpperCase()}${member.slice(1)}\``,
      );
    }
  }
  const options = Object.freeze({
    ...DEFAULT_ACTOR_OPTIONS,
    ...stripUndefined(config.options ?? {}),
  });
  const frozen = Object.freeze({
    ...config,
    actions: Object.freeze({ ...config.actions }),
    options,
  });
  return Object.freeze({ kind: "actor-definition", config: frozen }) as ActorDefinition<
    S,
    CP,
    CS,
    V,
    I,
    AD,
    A
  >;
}

/** True when `value` is what `actor()` returns. */
export function isActorDefinition(value: unknown): value is AnyActorDefinition {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { kind?: unknown }).kind === "actor-definition"
  );
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The client API: `createClient(endpoint)` over HTTP, or `createClientWithDriver(driver)` over
 * any ClientDriver. Typed from the registry: `client.counter.getOrCreate("k").increment(5)`.
 */
import type { AnyActorDefinition, ConnParamsOf, InputOf } from "../actor/definition.ts";
import type { Encoding, Transport } from "../protocol/messages.ts";
import type { ActorQuery } from "../protocol/query.ts";
import { ClientContext } from "./client-context.ts";
import type { ClientDriver } from "./client-driver.ts";
import { type ActorHandle, ActorHandleBase, withActions } from "./handle.ts";
import { createHttpClientDriver } from "./http-client-driver.ts";

/** The part of a registry the client's types read: actor definitions by name. */
export interface AnyRegistry {
  actors: Record<string, AnyActorDefinition>;
}

/** Options of a client. */
export interface ClientOptions {
  /** Encoding of bodies and messages (default `cbor`, which carries every value kind exactly). */
  encoding?: Encoding;
  /** Transport of connections (default `websocket`). */
  transport?: Transport;
  /** Longest wait for a connection's `init`, per attempt, in ms (default 10,000). */
  connectTimeoutMs?: number;
  /** First reconnect delay in ms (default 100), doubling per failed attempt. */
  reconnectInitialMs?: number;
  /** Largest reconnect delay in ms (default 5,000). */
  reconnectMaxMs?: number;
  /** Failed reconnects in a row after which a connection reports `failed` (default 10). */
  maxReconnectAttempts?: number;
  /**
   * Longest wait for the reply of an action on a connection, in ms (default 90,000); then
   * `action_reply_timed_out`.
   */
  actionTimeoutMs?: number;
}

/** Options of `createClient` (HTTP). */
export interface HttpClientOptions extends ClientOptions {
  /** The fetch to use (default: the global fetch). */
  fetch?: typeof fetch;
}

/** An actor key as accepted by the accessors: a string is `[string]`, `undefined` is `[]`. */
export type KeyInput = string | readonly string[] | undefined;

/** Options of `get` and `getForId`. */
export interface GetOptions<D extends AnyActorDefinition> {
  /** Connection params sent with every call of the handle (CONN-2). */
  params?: ConnParamsOf<D>;
}

/** Options of `getOrCreate` and `create`. */
export interface CreateOptions<D extends AnyActorDefinition> extends GetOptions<D> {
  /** The creation input: reaches `createState` and `onCreate` when this call creates (MGR-6). */
  input?: InputOf<D>;
  /** Where to create the actor, for drivers that track regions (MGR-8). */
  region?: string;
}

/** What `client.<actorName>` offers. Handles are lazy: nothing is sent until they are used. */
export interface ActorAccessor<D extends AnyActorDefinition> {
  /** A handle to the actor with this key; `actor_not_found` at first use when there is none. */
  get(key?: KeyInput, options?: GetOptions<D>): ActorHandle<D>;
  /** A handle that creates the actor at first use if it does not exist (atomic, MGR-4). */
  getOrCreate(key?: KeyInput, options?: CreateOptions<D>): ActorHandle<D>;
  /** Creates the actor now; rejects `actor_already_exists` when the key is taken (MGR-5). */
  create(key?: KeyInput, options?: CreateOptions<D>): Promise<ActorHandle<D>>;
  /** A handle to the actor with this id. */
  getForId(actorId: string, options?: GetOptions<D>): ActorHandle<D>;
}

/** The members every client has besides its accessors. */
export interface ClientBase {
  /** The driver behind this client. */
  readonly driver: ClientDriver;
  /** Closes every connection and raw WebSocket opened through the client and aborts requests. */
  dispose(): Promise<void>;
}

/** A client typed from a registry: one accessor per actor name. */
export type Client<R extends AnyRegistry> = ClientBase & {
  readonly [K in keyof R["actors"] & string]: ActorAccessor<R["actors"][K]>;
};

/** `"k"` → `["k"]`, `undefined` → `[]`, arrays copied. */
function toKey(key: KeyInput): string[] {
  if (key === undefined) return [];
  if (typeof key === "string") return [key];
  if (!Array.isArray(key))
    throw new TypeError(`an actor key must be a string or an array of strings, got ${typeof key}`);
  return [...key];
}

function accessor(ctx: ClientContext, name: string): ActorAccessor<AnyActorDefinition> {
  const handle = (query: ActorQuery, params: unknown) =>
    withActions(new ActorHandleBase(ctx, query, params)) as ActorHandle<AnyActorDefinition>;
  return {
    get: (key, options = {}) => handle({ getForKey: { name, key: toKey(key) } }, options.params),
    getOrCreate: (key, options = {}) =>
      handle(
        {
          getOrCreateForKey: {
            name,
            key: toKey(key),
            input: options.input,
            region: options.region,
          },
        },
        options.params,
      ),
    async create(key, options = {}) {
      const query: ActorQuery = {
        create: { name, key: toKey(key), input: options.input, region: options.region },
      };
      const actorId = await ctx.run((signal) =>
        ctx.driver.resolve(query, { encoding: ctx.encoding, params: options.params, signal }),
      );
      return handle({ getForId: { actorId } }, options.params);
    },
    getForId: (actorId, options = {}) => handle({ getForId: { actorId } }, options.params),
  };
}

/**
 * Builds a client over any ClientDriver (the HTTP one, the inline one, or a test double).
 *
 * @example
 * const client = createClientWithDriver<typeof registry>(createInlineClientDriver(manager));
 * await client.counter.getOrCreate("a").increment(1);
 */
export function createClientWithDriver<R extends AnyRegistry>(
  driver: ClientDriver,
  options: ClientOptions = {},
): Client<R> {
  const ctx = new ClientContext(
    driver,
    options.encoding ?? "cbor",
    options.transport ?? "websocket",
    {
      connectTimeoutMs: options.connectTimeoutMs,
      reconnectInitialMs: options.reconnectInitialMs,
      reconnectMaxMs: options.reconnectMaxMs,
      maxReconnectAttempts: options.maxReconnectAttempts,
      actionTimeoutMs: options.actionTimeoutMs,
    },
  );
  const base: ClientBase = { driver, dispose: () => ctx.dispose() };
  const accessors = new Map<string, ActorAccessor<AnyActorDefinition>>();
  return new Proxy(base, {
    get(target, prop) {
      if (typeof prop === "symbol" || prop in target) return Reflect.get(target, prop);
      // Not a thenable, so `await client` does not try to call an actor named "then".
      if (prop === "then" || prop === "toJSON") return undefined;
      let found = accessors.get(prop);
      if (!found) {
        found = accessor(ctx, prop);
        accessors.set(prop, found);
      }
      return found;
    },
  }) as Client<R>;
}

/**
 * Builds a client for a manager router at `endpoint` (for example `http://127.0.0.1:6420`).
 *
 * @example
 * const client = createClient<typeof registry>("http://127.0.0.1:6420", { encoding: "json" });
 * const conn = client.counter.getOrCreate(["a"]).connect();
 * conn.on("newCount", (n) => console.log(n));
 * await conn.increment(1);
 * await client.dispose();
 */
export function createClient<R extends AnyRegistry>(
  endpoint: string,
  options: HttpClientOptions = {},
): Client<R> {
  return createClientWithDriver<R>(
    createHttpClientDriver(endpoint, { fetch: options.fetch }),
    options,
  );
}

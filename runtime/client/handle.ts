/**
 * Actor handles: what `client.counter.getOrCreate("k")` returns. A handle names an actor by query
 * and calls it statelessly (`handle.increment(5)` is one HTTP action), reaches its raw HTTP and
 * WebSocket handlers, and opens connections.
 */
import type { ActionsOf, AnyActorDefinition } from "../actor/definition.ts";
import type { ActorQuery } from "../protocol/query.ts";
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";
import type { ClientContext } from "./client-context.ts";
import { ActorConnection } from "./connection.ts";

/** A connection with the definition's actions as methods: `conn.increment(5)`. */
export type ActorConnectionOf<D extends AnyActorDefinition> = ActorConnection & ActionsOf<D>;

/** A handle with the definition's actions as methods: `handle.increment(5)`. */
export type ActorHandle<D extends AnyActorDefinition> = ActorHandleBase<D> & ActionsOf<D>;

/**
 * Property names never turned into actions, so handles and connections are not mistaken for
 * promises (`then`), JSON-serializable values (`toJSON`) or test matchers.
 */
const NOT_ACTIONS = new Set([
  "then",
  "catch",
  "finally",
  "toJSON",
  "asymmetricMatch",
  "$$typeof",
  "nodeType",
  "inspect",
]);

/**
 * Wraps `target` so that any other string property is an action caller: `proxy.name(...args)` is
 * `target.action("name", ...args)`. Real members win (use `action(name)` for an action whose
 * name collides); methods are bound to `target`.
 */
export function withActions<
  T extends { action(name: string, ...args: unknown[]): Promise<unknown> },
>(target: T): T {
  // One caller per action name, made on first use rather than on every call.
  const callers = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy(target, {
    get(obj, prop) {
      if (typeof prop === "symbol" || prop in obj) {
        const value = Reflect.get(obj, prop, obj);
        return typeof value === "function" ? value.bind(obj) : value;
      }
      if (NOT_ACTIONS.has(prop)) return undefined;
      let caller = callers.get(prop);
      if (caller === undefined) {
        caller = (...args: unknown[]) => obj.action(prop, ...args);
        callers.set(prop, caller);
      }
      return caller;
    },
  });
}

/** The members every handle has, whatever its actions. */
export class ActorHandleBase<D extends AnyActorDefinition = AnyActorDefinition> {
  readonly #ctx: ClientContext;
  #query: ActorQuery;
  readonly #params: unknown;

  /** @internal Use the accessors of a client (`client.counter.get(...)`). */
  constructor(ctx: ClientContext, query: ActorQuery, params: unknown) {
    this.#ctx = ctx;
    this.#query = query;
    this.#params = params;
  }

  /** The query this handle addresses the actor by (a `getForId` one after `resolve()`). */
  get query(): ActorQuery {
    return this.#query;
  }

  /**
   * Calls action `name` statelessly (one request; ACT-6) and resolves its output. Rejects with a
   * ClientActorError: the action's own error (ERR-2), `actor_not_found`, `action_not_found`, ...
   * Sent once the client's pending subscription changes are in force (docs/runtime.md).
   */
  action(name: string, ...args: unknown[]): Promise<unknown> {
    const ctx = this.#ctx;
    return ctx.run(async (signal) => {
      await ctx.subscriptionsSettled();
      return ctx.driver.action(this.#query, name, args, {
        encoding: ctx.encoding,
        params: this.#params,
        signal,
      });
    });
  }

  /**
   * Resolves the actor's id (creating it for a `getOrCreate` handle) and from then on addresses
   * the actor by that id, so later calls reach the same actor even if the key changes hands.
   */
  async resolve(options: { signal?: AbortSignal } = {}): Promise<string> {
    const ctx = this.#ctx;
    if ("getForId" in this.#query) return this.#query.getForId.actorId;
    const actorId = await ctx.run(
      (signal) =>
        ctx.driver.resolve(this.#query, { encoding: ctx.encoding, params: this.#params, signal }),
      options.signal,
    );
    this.#query = { getForId: { actorId } };
    return actorId;
  }

  /**
   * Raw HTTP to the actor's `onFetch`. `input` is the subpath with its query string (a string),
   * a URL (its path and query are used) or a Request (its path, query, method, headers and body
   * are used; `init` overrides, headers merged). The subpath and query reach the actor exactly
   * (ROUTE-6). Resolves the Response as the actor (or a router) gave it: statuses are not thrown.
   */
  fetch(input: string | URL | Request, init: RequestInit = {}): Promise<Response> {
    const ctx = this.#ctx;
    const { path, merged } = toRawRequest(input, init);
    return ctx.run((signal) =>
      ctx.driver.rawFetch(this.#query, path, merged, { params: this.#params, signal }),
    );
  }

  /**
   * Opens a raw WebSocket to the actor's `onWebSocket` at `path` (subpath and query string,
   * RAWWS-3). `protocols` reach the actor in its request's `sec-websocket-protocol`. Resolves
   * once open; the client closes it on `dispose()`.
   */
  websocket(path = "", protocols?: string | string[]): Promise<UniversalWebSocket> {
    const ctx = this.#ctx;
    const list =
      protocols === undefined ? [] : typeof protocols === "string" ? [protocols] : [...protocols];
    return ctx.run(async (signal) => {
      const socket = await ctx.driver.rawWebSocket(this.#query, path, list, {
        params: this.#params,
        signal,
      });
      ctx.track(socket);
      return socket;
    });
  }

  /**
   * Opens a stateful connection (over the client's transport and encoding) and returns it at
   * once; it connects in the background (`await conn.waitForOpen()` to wait). See
   * ActorConnection for reconnects and error handling.
   */
  connect(): ActorConnectionOf<D> {
    const ctx = this.#ctx;
    const connection: ActorConnection = new ActorConnection({
      ...ctx.connectionDefaults,
      driver: ctx.driver,
      query: this.#query,
      encoding: ctx.encoding,
      transport: ctx.transport,
      params: this.#params,
      subscriptionBarrier: () => ctx.subscriptionsSettled(),
      onSubscriptionsPending: (pending) => ctx.notePending(connection, pending),
      onDispose: () => ctx.forget(connection),
    });
    ctx.adopt(connection);
    return withActions(connection) as ActorConnectionOf<D>;
  }
}

/** Splits a raw fetch input into the subpath (with query) and a RequestInit. */
function toRawRequest(
  input: string | URL | Request,
  init: RequestInit,
): { path: string; merged: RequestInit } {
  if (typeof input === "string") return { path: input, merged: init };
  if (input instanceof URL) return { path: `${input.pathname}${input.search}`, merged: init };
  const url = new URL(input.url);
  const headers = new Headers(input.headers);
  for (const [name, value] of new Headers(init.headers)) headers.set(name, value);
  const merged: RequestInit = {
    method: input.method,
    body: input.body,
    redirect: input.redirect,
    signal: input.signal,
    ...init,
    headers,
  };
  return { path: `${url.pathname}${url.search}`, merged };
}

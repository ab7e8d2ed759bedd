/**
 * onAuth on public paths: which intents a request carries and running the actor's onAuth
 * (clauses AUTH-1..AUTH-3).
 */
import type { AnyActorDefinition, AuthIntent } from "../actor/definition.ts";
import { ActorError } from "../actor/errors.ts";
import type { ActorQuery } from "../protocol/query.ts";

/** What a route adds to the query's intents: actions and raw paths act, connections connect. */
export type RouteIntent = "action" | "connect" | undefined;

/**
 * The intents of a public request (AUTH-1): `get` for getForId / getForKey, `get` + `create`
 * for getOrCreateForKey, `create` for create; plus `action` (actions, raw HTTP, raw WebSocket)
 * or `connect` (WebSocket and SSE connections). Resolve adds nothing.
 */
export function intentsFor(query: ActorQuery, route: RouteIntent): Set<AuthIntent> {
  const intents = new Set<AuthIntent>();
  if ("getForId" in query || "getForKey" in query) intents.add("get");
  if ("getOrCreateForKey" in query) {
    intents.add("get");
    intents.add("create");
  }
  if ("create" in query) intents.add("create");
  if (route !== undefined) intents.add(route);
  return intents;
}

/** What onAuth is asked about. */
export interface AuthRequest {
  /** The public request without its `x-actor-internal-*` headers. */
  request: Request;
  intents: Set<AuthIntent>;
  /** The parsed connection params, `undefined` when the client sent none. */
  params: unknown;
}

/**
 * Runs the actor's onAuth and resolves what it returned (any value, `undefined` included).
 * Throws `forbidden` when the definition has no onAuth (AUTH-2); an error onAuth throws is
 * rethrown as is, so a UserError keeps its code and status 400 (AUTH-3).
 */
export async function authenticate(
  name: string,
  definition: AnyActorDefinition,
  auth: AuthRequest,
): Promise<unknown> {
  const onAuth = definition.config.onAuth;
  if (onAuth === undefined) {
    throw new ActorError(
      "forbidden",
      `actor ${JSON.stringify(name)} has no onAuth, so it cannot be reached from a public path`,
    );
  }
  // `auth` is passed as is: its `request` may be a lazy getter (see passGate).
  return await onAuth(auth);
}

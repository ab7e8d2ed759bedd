/**
 * Actor query resolution for the manager router: which actor a query names, through the
 * ManagerDriver, with driver failures turned into coded errors (docs/protocol.md, "Actor queries").
 */
import type { AnyActorDefinition } from "../actor/definition.ts";
import { ActorError } from "../actor/errors.ts";
import type { Registry } from "../actor/registry.ts";
import type { ActorOutput, CreateActorInput, ManagerDriver } from "../driver/manager-driver.ts";
import type { ActorQuery } from "../protocol/query.ts";

/**
 * Runs a driver method. An ActorError from the driver passes through (e.g.
 * `actor_already_exists`); anything else is logged and becomes `driver_error`, which public
 * callers see masked as `internal_error` (ERR-3).
 */
export async function callDriver<T>(method: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ActorError) throw error;
    console.error(`driver ${method} failed`, error);
    const why = error instanceof Error ? error.message : String(error);
    throw new ActorError("driver_error", `driver ${method} threw: ${why}`, { cause: error });
  }
}

/** The definition registered under `name`; `actor_not_found` when there is none. */
export function definitionFor(registry: Registry, name: string): AnyActorDefinition {
  const actors = registry.actors as Record<string, AnyActorDefinition>;
  if (!Object.hasOwn(actors, name)) {
    throw new ActorError("actor_not_found", `no actor named ${JSON.stringify(name)} is registered`);
  }
  return actors[name];
}

/** The actor with this id; `actor_not_found` when the driver does not know it (MGR-2). */
export async function lookupById(manager: ManagerDriver, actorId: string): Promise<ActorOutput> {
  const found = await callDriver("getForId", () => manager.getForId({ actorId }));
  if (found === undefined) {
    throw new ActorError("actor_not_found", `no actor has id ${JSON.stringify(actorId)}`);
  }
  return found;
}

/** The actor name a query addresses, without asking the driver (undefined for getForId). */
export function queryName(query: ActorQuery): string | undefined {
  if ("getForKey" in query) return query.getForKey.name;
  if ("getOrCreateForKey" in query) return query.getOrCreateForKey.name;
  if ("create" in query) return query.create.name;
  return undefined;
}

/**
 * Resolves a query to an actor:
 * - getForId: `getForId`, or `actor_not_found`;
 * - getForKey: `getWithKey`, or `actor_not_found` naming the name and key;
 * - getOrCreateForKey: `getOrCreateWithKey`;
 * - create: `createActor` (`actor_already_exists` from the driver passes through).
 * An unregistered name is `actor_not_found` before the driver is called. `known` short-cuts a
 * getForId the caller already looked up.
 */
export async function resolveQuery(
  registry: Registry,
  manager: ManagerDriver,
  query: ActorQuery,
  known?: ActorOutput,
): Promise<ActorOutput> {
  if ("getForId" in query) {
    const found = known ?? (await lookupById(manager, query.getForId.actorId));
    definitionFor(registry, found.name);
    return found;
  }
  if ("getForKey" in query) {
    const { name, key } = query.getForKey;
    definitionFor(registry, name);
    const found = await callDriver("getWithKey", () => manager.getWithKey({ name, key }));
    if (found === undefined) {
      throw new ActorError(
        "actor_not_found",
        `no actor ${JSON.stringify(name)} has key ${JSON.stringify(key)}`,
        { metadata: { name, key } },
      );
    }
    return found;
  }
  if ("getOrCreateForKey" in query) {
    const input = createInput(query.getOrCreateForKey);
    definitionFor(registry, input.name);
    return callDriver("getOrCreateWithKey", () => manager.getOrCreateWithKey(input));
  }
  const input = createInput(query.create);
  definitionFor(registry, input.name);
  return callDriver("createActor", () => manager.createActor(input));
}

/** The driver's create input, without `input`/`region` members the client did not send. */
function createInput(body: {
  name: string;
  key: string[];
  input?: unknown;
  region?: string;
}): CreateActorInput {
  const out: CreateActorInput = { name: body.name, key: body.key };
  if (body.input !== undefined) out.input = body.input;
  if (body.region !== undefined) out.region = body.region;
  return out;
}

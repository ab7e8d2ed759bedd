/**
 * MGR-9 broken the way a driver with a module-level lookup cache breaks it: ids and keys resolved
 * by any start are remembered process-wide, and a start that does not know an actor answers from
 * the cache, so a start under another namespace finds the first one's actors.
 */
import type { ActorOutput } from "../../runtime/driver/index.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "MGR-9",
  description:
    "a process-wide lookup cache shared by every start answers for actors of other namespaces",
  suites: ["driver-starts"],
  grep: "namespaces-isolated",
};

const byId = new Map<string, ActorOutput>();
const byKey = new Map<string, ActorOutput>();
const keyOf = (name: string, key: readonly string[]) => JSON.stringify([name, ...key]);
const remember = (actor: ActorOutput | undefined) => {
  if (actor) {
    byId.set(actor.actorId, actor);
    byKey.set(keyOf(actor.name, actor.key), actor);
  }
  return actor;
};

export default mutantDriver("mgr-lookup-cache-process-wide", "memory", {
  manager: (inner) => ({
    ...inner,
    getForId: async (input) => remember(await inner.getForId(input)) ?? byId.get(input.actorId),
    getWithKey: async (input) =>
      remember(await inner.getWithKey(input)) ?? byKey.get(keyOf(input.name, input.key)),
    getOrCreateWithKey: async (input) =>
      byKey.get(keyOf(input.name, input.key)) ?? remember(await inner.getOrCreateWithKey(input))!,
    createActor: async (input) => remember(await inner.createActor(input))!,
  }),
});

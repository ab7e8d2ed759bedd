/**
 * SLEEP-3 broken: a write-back cache that releases an actor's entry on sleep before flushing
 * it. Each write is acknowledged from the cache and reaches storage only when the next write
 * comes, so the write made just before the unload (the sleep save) is lost.
 */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "SLEEP-3",
  description: "onSleep drops the actor's cached last write instead of flushing it",
  suites: ["sleep"],
  grep: "state-survives-sleep",
};

export default mutantDriver("sleep-last-write-lost", "memory", {
  actorDriver: (inner) => {
    const cached = new Map<string, Uint8Array>();
    return {
      ...inner,
      async readPersistedData(actorId) {
        return cached.get(actorId) ?? inner.readPersistedData(actorId);
      },
      async writePersistedData(actorId, data) {
        const previous = cached.get(actorId);
        if (previous) await inner.writePersistedData(actorId, previous);
        cached.set(actorId, data);
      },
      async onSleep(actorId) {
        cached.delete(actorId);
        await inner.onSleep?.(actorId);
      },
    };
  },
});

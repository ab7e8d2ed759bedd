/** PERSIST-3 broken: every second write of an actor is acknowledged and never stored. */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "PERSIST-3",
  description: "writePersistedData silently skips every second write of each actor",
  suites: ["restart"],
  grep: "survives-two-restarts",
};

export default mutantDriver("persist-every-other-write", "file-system", {
  actorDriver: (inner) => {
    const writes = new Map<string, number>();
    return {
      ...inner,
      async writePersistedData(actorId, data) {
        const n = (writes.get(actorId) ?? 0) + 1;
        writes.set(actorId, n);
        if (n % 2 === 1) await inner.writePersistedData(actorId, data);
      },
    };
  },
});

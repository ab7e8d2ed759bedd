/**
 * MGR-4 broken: getOrCreateWithKey checks, waits, then creates; a caller that loses the race
 * gets a second actor, reported under the same name and key.
 */
import type { ActorOutput } from "../../runtime/driver/index.ts";
import { delay, type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "MGR-4",
  description: "getOrCreateWithKey is check-then-create: concurrent callers can get two actors",
  suites: ["manager"],
  grep: "concurrent-get-or-create",
};

export default mutantDriver("mgr-get-or-create-race", "memory", {
  manager: (inner) => {
    const reported = new Map<string, ActorOutput>();
    let losers = 0;
    return {
      ...inner,
      async getForId(input) {
        return reported.get(input.actorId) ?? inner.getForId(input);
      },
      async getOrCreateWithKey(input) {
        const found = await inner.getWithKey(input);
        if (found) return found;
        await delay(5);
        try {
          return await inner.createActor(input);
        } catch (error) {
          if ((error as { code?: string }).code !== "actor_already_exists") throw error;
          losers += 1;
          const twin = await inner.createActor({
            ...input,
            key: [...input.key, `\u0000${losers}`],
          });
          const output = { ...twin, key: input.key };
          reported.set(twin.actorId, output);
          return output;
        }
      },
    };
  },
});

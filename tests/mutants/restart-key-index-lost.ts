/**
 * RESTART-1 broken: restart() does not reload the key index, so actors created before it are
 * found by id but not by key, and getOrCreate on their key makes a second actor.
 */
import type { ActorOutput } from "../../runtime/driver/index.ts";
import { type MutantEnv, type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "RESTART-1",
  description: "after restart(), keys of actors created before it no longer find them",
  suites: ["restart"],
  grep: "ids-keys-state-survive",
};

interface Lineage {
  /** Actors made by earlier instances of this start. */
  before: Set<string>;
  /** Actors made by the running instance. */
  now: Set<string>;
  starts: number;
}
const lineages = new WeakMap<MutantEnv, Lineage>();

export default mutantDriver("restart-key-index-lost", "file-system", {
  manager: (inner, env) => {
    const lineage = lineages.get(env) ?? { before: new Set(), now: new Set(), starts: 0 };
    lineages.set(env, lineage);
    lineage.starts += 1;
    for (const id of lineage.now) lineage.before.add(id);
    lineage.now.clear();
    const seen = (output: ActorOutput) => {
      if (!lineage.before.has(output.actorId)) lineage.now.add(output.actorId);
      return output;
    };
    const forgotten = (output: ActorOutput | undefined) =>
      output !== undefined && lineage.starts > 1 && lineage.before.has(output.actorId);
    return {
      ...inner,
      async getWithKey(input) {
        const found = await inner.getWithKey(input);
        return forgotten(found) ? undefined : found && seen(found);
      },
      async getOrCreateWithKey(input) {
        const found = await inner.getWithKey(input);
        if (!forgotten(found)) return seen(await inner.getOrCreateWithKey(input));
        const twin = await inner.getOrCreateWithKey({ ...input, key: [...input.key, "\u0000"] });
        return { ...twin, key: input.key };
      },
      createActor: async (input) => seen(await inner.createActor(input)),
    };
  },
});

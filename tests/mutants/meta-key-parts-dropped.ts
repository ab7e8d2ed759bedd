/** META-1 broken: the actor's metadata reports its key without empty components. */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "META-1",
  description: "the actor host is told the key with empty components removed, so c.key differs",
  suites: ["metadata"],
  grep: "id-and-key",
};

export default mutantDriver("meta-key-parts-dropped", "memory", {
  metadata: (inner) => async (actorId) => {
    const output = await inner(actorId);
    return output && { ...output, key: output.key.filter((part) => part !== "") };
  },
});

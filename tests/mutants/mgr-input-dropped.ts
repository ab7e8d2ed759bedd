/** MGR-6 broken: the creation input never reaches the actor. */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "MGR-6",
  description: "createActor and getOrCreateWithKey drop the creation input",
  suites: ["manager"],
  grep: "input",
};

export default mutantDriver("mgr-input-dropped", "memory", {
  manager: (inner) => ({
    ...inner,
    createActor: (input) => inner.createActor({ ...input, input: undefined }),
    getOrCreateWithKey: (input) => inner.getOrCreateWithKey({ ...input, input: undefined }),
  }),
});

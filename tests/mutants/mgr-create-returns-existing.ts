/** MGR-5 broken: createActor on a taken key silently returns the existing actor. */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "MGR-5",
  description:
    "createActor on a taken name and key returns the existing actor instead of rejecting",
  suites: ["manager"],
  grep: "duplicate|one-wins",
};

export default mutantDriver("mgr-create-returns-existing", "memory", {
  manager: (inner) => ({ ...inner, createActor: (input) => inner.getOrCreateWithKey(input) }),
});

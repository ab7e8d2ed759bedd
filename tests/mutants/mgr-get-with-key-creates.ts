/** MGR-3 broken: getWithKey creates the actor it does not find. */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "MGR-3",
  description: "getWithKey of a missing actor creates it (it behaves as getOrCreateWithKey)",
  suites: ["manager"],
  grep: "never-creates",
};

export default mutantDriver("mgr-get-with-key-creates", "memory", {
  manager: (inner) => ({ ...inner, getWithKey: (input) => inner.getOrCreateWithKey(input) }),
});

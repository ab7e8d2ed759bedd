/** KEY-1 broken: key components are sorted before lookup, so their order does not count. */
import { rekey } from "./support/manager.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "KEY-1",
  description: "keys are compared as sorted sets of components: order is ignored",
  suites: ["manager"],
  grep: "key-exact-match",
};

export default mutantDriver("key-order-ignored", "memory", {
  manager: (inner) => rekey(inner, (key) => [...key].sort()),
});

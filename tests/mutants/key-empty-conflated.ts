/** KEY-3 broken: the empty key [] is stored as [""]. */
import { rekey } from "./support/manager.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "KEY-3",
  description: 'the empty key [] is treated as [""]',
  suites: ["manager"],
  grep: "key-empty",
};

export default mutantDriver("key-empty-conflated", "memory", {
  manager: (inner) => rekey(inner, (key) => (key.length === 0 ? [""] : key)),
});

/** KEY-2 broken: a multi-part key is stored as its components joined with "/". */
import { rekey } from "./support/manager.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "KEY-2",
  description: 'keys of two or more components are joined with "/": ["a","b"] is ["a/b"]',
  suites: ["manager"],
  grep: "key-separators",
};

export default mutantDriver("key-components-joined", "memory", {
  manager: (inner) => rekey(inner, (key) => (key.length > 1 ? [key.join("/")] : key)),
});

/**
 * KEY-4 broken the way a storage binding that passes keys as C strings breaks it: a component
 * ends at its first NUL, so ["a\u0000b"] is stored as ["a"].
 */
import { rekey } from "./support/manager.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "KEY-4",
  description:
    "key components pass through a C string API: everything from the first NUL on is lost",
  suites: ["input-domains"],
  grep: "any-unicode-key",
};

export default mutantDriver("key-nul-terminated", "memory", {
  manager: (inner) => rekey(inner, (key) => key.map((part) => part.split("\u0000")[0])),
});

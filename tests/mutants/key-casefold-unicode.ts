/**
 * KEY-1 broken the way a store that case-folds keys for a lookup index breaks it: full Unicode
 * folding maps "ß" to "ss" and the ligature "ﬁ" to "fi" (and upper case to lower).
 */
import { rekey } from "./support/manager.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "KEY-1",
  description:
    'key components case-folded with full Unicode folding: ["ß"] and ["ss"], ["ﬁ"] and ["fi"] collide',
  suites: ["input-domains"],
  grep: "confusable-keys",
};

export default mutantDriver("key-casefold-unicode", "memory", {
  manager: (inner) => rekey(inner, (key) => key.map((part) => part.toUpperCase().toLowerCase())),
});

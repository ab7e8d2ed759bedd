/**
 * ACT-2 broken the way a store or serialiser that maps empty strings to NULL breaks it (Oracle
 * treats '' as NULL): every empty string in an action's reply becomes null.
 */
import { narrowActionReplies } from "./support/bodies.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ACT-2",
  description: "empty strings in action replies come back as null",
  suites: ["input-domains"],
  grep: "generated-values",
};

export default mutantDriver("act-empty-string-as-null", "memory", {
  manager: (inner) => narrowActionReplies(inner, ["json", "cbor"], (v) => (v === "" ? null : v)),
});

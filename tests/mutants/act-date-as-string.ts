/**
 * ACT-2 broken the way a JSON-based hop breaks CBOR values: a Date crosses as its ISO string.
 */
import { narrowActionReplies } from "./support/bodies.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ACT-2",
  description: "Dates in CBOR action replies come back as ISO strings",
  suites: ["input-domains"],
  grep: "generated-values",
};

export default mutantDriver("act-date-as-string", "memory", {
  manager: (inner) =>
    narrowActionReplies(inner, ["cbor"], (v) => (v instanceof Date ? v.toISOString() : v)),
});

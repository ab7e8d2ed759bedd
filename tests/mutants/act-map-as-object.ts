/**
 * ACT-2 broken the way a hop that re-encodes CBOR through JavaScript objects breaks it: a Map
 * with string keys crosses as a plain object.
 */
import { narrowActionReplies } from "./support/bodies.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ACT-2",
  description: "Maps in CBOR action replies come back as plain objects",
  suites: ["input-domains"],
  grep: "generated-values",
};

export default mutantDriver("act-map-as-object", "memory", {
  manager: (inner) =>
    narrowActionReplies(inner, ["cbor"], (v) =>
      v instanceof Map && [...v.keys()].every((k) => typeof k === "string")
        ? Object.fromEntries(v)
        : v,
    ),
});

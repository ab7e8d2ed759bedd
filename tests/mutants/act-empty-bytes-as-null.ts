/**
 * ACT-2 broken the way a binary column or codec that stores zero-length blobs as NULL breaks it:
 * every empty Uint8Array in a CBOR reply becomes null.
 */
import { narrowActionReplies } from "./support/bodies.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ACT-2",
  description: "empty byte arrays in CBOR action replies come back as null",
  suites: ["input-domains"],
  grep: "generated-values",
};

export default mutantDriver("act-empty-bytes-as-null", "memory", {
  manager: (inner) =>
    narrowActionReplies(inner, ["cbor"], (v) =>
      v instanceof Uint8Array && v.length === 0 ? null : v,
    ),
});

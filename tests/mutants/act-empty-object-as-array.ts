/**
 * ACT-2 broken the way PHP-style serialisers break it (an empty associative array encodes as
 * []): every empty plain object in a reply becomes an empty array.
 */
import { narrowActionReplies } from "./support/bodies.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ACT-2",
  description: "empty objects in action replies come back as empty arrays",
  suites: ["input-domains"],
  grep: "generated-values",
};

export default mutantDriver("act-empty-object-as-array", "memory", {
  manager: (inner) =>
    narrowActionReplies(inner, ["json", "cbor"], (v) =>
      v !== null &&
      typeof v === "object" &&
      Object.getPrototypeOf(v) === Object.prototype &&
      Object.keys(v).length === 0
        ? []
        : v,
    ),
});

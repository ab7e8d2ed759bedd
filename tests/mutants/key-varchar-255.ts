/**
 * KEY-4 broken the way a SQL schema with `key_part VARCHAR(255)` and a non-strict mode breaks it:
 * a longer component is silently truncated to 255 characters.
 */
import { rekey } from "./support/manager.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "KEY-4",
  description:
    "key components stored in a VARCHAR(255) column: longer components are cut to 255 characters",
  suites: ["input-domains"],
  grep: "any-unicode-key",
};

export default mutantDriver("key-varchar-255", "memory", {
  manager: (inner) => rekey(inner, (key) => key.map((part) => part.slice(0, 255))),
});

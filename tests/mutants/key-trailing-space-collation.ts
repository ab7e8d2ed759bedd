/**
 * KEY-1 broken the way a CHAR/VARCHAR column under a PAD SPACE collation breaks it (MySQL before
 * 8.0, SQL Server): trailing spaces do not count in comparisons, so ["a "] and ["a"] collide.
 */
import { rekey } from "./support/manager.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "KEY-1",
  description:
    'trailing spaces of key components are ignored, as under a PAD SPACE collation: ["a "] is ["a"]',
  suites: ["input-domains"],
  grep: "confusable-keys",
};

export default mutantDriver("key-trailing-space-collation", "memory", {
  manager: (inner) => rekey(inner, (key) => key.map((part) => part.replace(/ +$/, ""))),
});

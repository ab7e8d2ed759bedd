/**
 * KEY-1 broken the way a SQL table with a case-insensitive collation (MySQL utf8mb4_general_ci,
 * SQL Server's default) breaks it: the key column compares without case, so ["A"] and ["a"] are
 * one actor.
 */
import { rekey } from "./support/manager.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "KEY-1",
  description:
    'key lookups are case-insensitive, as under a SQL _ci collation: ["A"] finds the actor of ["a"]',
  suites: ["input-domains"],
  grep: "confusable-keys",
};

export default mutantDriver("key-case-insensitive-collation", "memory", {
  manager: (inner) => rekey(inner, (key) => key.map((part) => part.toLowerCase())),
});

/**
 * KEY-1 broken the way an accent-insensitive collation (utf8mb4_0900_ai_ci, SQL Server _AI)
 * breaks it: components are compared with their diacritics stripped.
 */
import { rekey } from "./support/manager.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "KEY-1",
  description:
    'key lookups ignore accents, as under an accent-insensitive collation: ["á"] finds ["a"]',
  suites: ["input-domains"],
  grep: "confusable-keys",
};

export default mutantDriver("key-accent-insensitive-collation", "memory", {
  manager: (inner) =>
    rekey(inner, (key) => key.map((part) => part.normalize("NFD").replace(/\p{M}/gu, ""))),
});

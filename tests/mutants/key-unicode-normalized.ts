/** KEY-4 broken: key components are Unicode-normalised (NFC) before they are stored. */
import { rekey } from "./support/manager.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "KEY-4",
  description: "key components are normalised to NFC: decomposed and precomposed forms collide",
  suites: ["manager"],
  grep: "key-unicode",
};

export default mutantDriver("key-unicode-normalized", "memory", {
  manager: (inner) => rekey(inner, (key) => key.map((part) => part.normalize("NFC"))),
});

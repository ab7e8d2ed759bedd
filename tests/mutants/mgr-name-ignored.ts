/** MGR-7 broken: key lookups ignore the actor name, so one key names one actor of any type. */
import type { ActorOutput } from "../../runtime/driver/index.ts";
import { ActorError } from "../../runtime/driver/index.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "MGR-7",
  description: "key lookups ignore the actor name: one key under two names is one actor",
  suites: ["manager", "state"],
  grep: "two-names|isolated-by-name",
};

export default mutantDriver("mgr-name-ignored", "memory", {
  manager: (inner) => {
    const byKey = new Map<string, ActorOutput>();
    const remember = (output: ActorOutput) => {
      if (!byKey.has(JSON.stringify(output.key))) byKey.set(JSON.stringify(output.key), output);
      return output;
    };
    return {
      ...inner,
      async getWithKey(input) {
        return byKey.get(JSON.stringify(input.key)) ?? inner.getWithKey(input);
      },
      async getOrCreateWithKey(input) {
        return (
          byKey.get(JSON.stringify(input.key)) ?? remember(await inner.getOrCreateWithKey(input))
        );
      },
      async createActor(input) {
        if (byKey.has(JSON.stringify(input.key))) {
          throw new ActorError("actor_already_exists", "that key is taken");
        }
        return remember(await inner.createActor(input));
      },
    };
  },
});

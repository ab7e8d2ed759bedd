/** MGR-1 broken: getForId answers with the newest actor instead of the one asked for. */
import { trackLatest } from "./support/manager.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "MGR-1",
  description: "getForId of a known id answers with the most recently created actor",
  suites: ["manager"],
  grep: "get-for-id",
};

export default mutantDriver("mgr-get-for-id-wrong-actor", "memory", {
  manager: (inner) => {
    const tracked = trackLatest(inner);
    return {
      ...tracked.manager,
      async getForId(input) {
        const found = await inner.getForId(input);
        return found && (tracked.latest() ?? found);
      },
    };
  },
});

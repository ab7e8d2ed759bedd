/** MGR-2 broken: getForId of an unknown id answers with some actor instead of undefined. */
import { trackLatest } from "./support/manager.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "MGR-2",
  description: "getForId of an unknown id answers with the most recently created actor",
  suites: ["manager"],
  grep: "get-for-id-unknown",
};

export default mutantDriver("mgr-get-for-id-unknown-answers", "memory", {
  manager: (inner) => {
    const tracked = trackLatest(inner);
    return {
      ...tracked.manager,
      async getForId(input) {
        return (await inner.getForId(input)) ?? tracked.latest();
      },
    };
  },
});

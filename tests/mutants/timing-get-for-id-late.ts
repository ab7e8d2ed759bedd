/** MGR-1 broken in time: getForId answers only after two minutes; it must be a timeout, not a hang. */
import { delay, type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "MGR-1",
  description: "getForId answers correctly, but 120 s late",
  suites: ["manager"],
  grep: "driver-get-for-id ",
  expectStatus: "timeout",
};

export default mutantDriver("timing-get-for-id-late", "memory", {
  manager: (inner) => ({
    ...inner,
    async getForId(input) {
      await delay(120_000);
      return inner.getForId(input);
    },
  }),
});

/** SCHED-1 broken: setAlarm accepts the request and never fires (schedule still declared). */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "SCHED-1",
  description: "setAlarm resolves but arms nothing",
  suites: ["schedule"],
  grep: "after-runs-the-action",
};

export default mutantDriver("sched-alarm-never-fires", "memory", {
  actorDriver: (inner) => ({ ...inner, setAlarm: async () => {} }),
});

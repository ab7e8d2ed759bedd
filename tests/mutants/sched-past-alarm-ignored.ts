/** SCHED-2 broken: setAlarm ignores timestamps already in the past. */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "SCHED-2",
  description: "setAlarm drops requests whose timestamp has already passed",
  suites: ["schedule"],
  grep: "at-in-the-past",
};

export default mutantDriver("sched-past-alarm-ignored", "memory", {
  actorDriver: (inner) => ({
    ...inner,
    async setAlarm(actorId, timestampMs) {
      if (timestampMs > Date.now()) await inner.setAlarm(actorId, timestampMs);
    },
  }),
});

/**
 * SCHED-1 broken the way a driver with one "next alarm" slot per process breaks it (a single
 * timer, as a storage API with one alarm per namespace invites): each setAlarm replaces the
 * pending alarm, so when two actors set alarms only the later one fires.
 */
import type { ActorDriver } from "../../runtime/driver/index.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "SCHED-1",
  description: "one alarm slot for the whole driver: an actor's setAlarm replaces another actor's",
  suites: ["schedule"],
  grep: "two-actors",
};

export default mutantDriver("sched-alarm-single-slot", "memory", {
  actorDriver: (inner: ActorDriver, env): ActorDriver => {
    let slot: ReturnType<typeof setTimeout> | undefined;
    return {
      ...inner,
      async setAlarm(actorId, timestampMs) {
        clearTimeout(slot);
        slot = setTimeout(
          () => void env.host?.fireAlarm(actorId).catch(() => undefined),
          Math.max(0, timestampMs - Date.now()),
        );
        slot.unref();
      },
    };
  },
});

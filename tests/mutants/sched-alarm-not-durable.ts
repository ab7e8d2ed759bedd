/**
 * SCHED-4 broken: alarms live only in a timer of the running instance; nothing is stored, so
 * a restart forgets them.
 */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "SCHED-4",
  description: "setAlarm arms an in-memory timer only: alarms do not survive restart",
  suites: ["restart"],
  grep: "alarm",
};

export default mutantDriver("sched-alarm-not-durable", "file-system", {
  actorDriver: (inner, env) => {
    const timers = new Map<string, ReturnType<typeof setTimeout>>();
    return {
      ...inner,
      async setAlarm(actorId, timestampMs) {
        clearTimeout(timers.get(actorId));
        const host = env.host;
        const timer = setTimeout(
          () => {
            timers.delete(actorId);
            host?.fireAlarm(actorId).catch(() => undefined);
          },
          Math.max(0, timestampMs - Date.now()),
        );
        timer.unref();
        timers.set(actorId, timer);
      },
    };
  },
});

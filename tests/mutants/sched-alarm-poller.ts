/**
 * SCHED-5 broken the way a driver that polls a table of due alarms breaks it: setAlarm stores
 * the time, and a poller fires what is due every 5,000 ms (a common default of job-queue pollers),
 * so alarms fire up to 5 s late.
 */
import type { ActorDriver } from "../../runtime/driver/index.ts";
import { type MutantEnv, type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "SCHED-5",
  description: "due alarms found by a poller running every 5,000 ms: up to 5 s late",
  suites: ["schedule"],
  grep: "within-a-second",
};

const pollers = new WeakMap<MutantEnv, ReturnType<typeof setInterval>>();

export default mutantDriver("sched-alarm-poller", "memory", {
  actorDriver: (inner: ActorDriver, env): ActorDriver => {
    const due = new Map<string, number>();
    const poller = setInterval(() => {
      for (const [actorId, at] of due) {
        if (at > Date.now()) continue;
        due.delete(actorId);
        void env.host?.fireAlarm(actorId).catch(() => undefined);
      }
    }, 5_000);
    poller.unref();
    pollers.set(env, poller);
    return {
      ...inner,
      async setAlarm(actorId, timestampMs) {
        due.set(actorId, timestampMs);
      },
    };
  },
  instance: (inner, env) => ({
    ...inner,
    async stop() {
      clearInterval(pollers.get(env));
      await inner.stop();
    },
  }),
});

/**
 * DRV-4 broken: besides the store's alarm, setAlarm arms a timer of its own that stop() never
 * clears, so an alarm fires into the stopped host.
 */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "DRV-4",
  description: "setAlarm also arms a timer that stop() does not cancel",
  suites: ["driver-routing"],
  grep: "stop-cancels-alarms",
};

export default mutantDriver("drv-stop-leaves-alarms", "memory", {
  actorDriver: (inner, env) => ({
    ...inner,
    async setAlarm(actorId, timestampMs) {
      await inner.setAlarm(actorId, timestampMs);
      const host = env.host;
      setTimeout(
        () => host?.fireAlarm(actorId).catch(() => undefined),
        Math.max(0, timestampMs - Date.now()),
      ).unref();
    },
  }),
});

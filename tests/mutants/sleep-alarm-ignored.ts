/**
 * SLEEP-4 broken: the driver delivers an alarm only to an actor that is loaded; the alarm of a
 * sleeping actor is dropped instead of waking it.
 */
import { type MutantEnv, type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "SLEEP-4",
  description: "fireAlarm of a sleeping actor is dropped: alarms never wake an actor",
  suites: ["sleep"],
  grep: "alarm-wakes-sleeping-actor",
};

/** Per start: actors the mutant believes asleep (told by onSleep, cleared when one reads its data). */
const asleepIn = new WeakMap<object, Set<string>>();
const asleepOf = (env: MutantEnv): Set<string> => {
  let set = asleepIn.get(env.ctx);
  if (!set) {
    set = new Set();
    asleepIn.set(env.ctx, set);
  }
  return set;
};

export default mutantDriver("sleep-alarm-ignored", "memory", {
  actorDriver: (inner, env) => ({
    ...inner,
    readPersistedData(actorId) {
      asleepOf(env).delete(actorId);
      return inner.readPersistedData(actorId);
    },
    async onSleep(actorId) {
      asleepOf(env).add(actorId);
      await inner.onSleep?.(actorId);
    },
  }),
  host: (inner, env) => ({
    ...inner,
    fireAlarm: (actorId) =>
      asleepOf(env).has(actorId) ? Promise.resolve() : inner.fireAlarm(actorId),
  }),
});

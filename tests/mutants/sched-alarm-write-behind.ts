/**
 * PERSIST-7 broken the way a driver that queues alarm writes breaks it: setAlarm answers at once
 * and stores the alarm from a queue flushed every 300 ms (and on stop and restart, so graceful
 * restarts keep every alarm). An alarm acknowledged less than 300 ms before a kill is lost.
 */
import type { ActorDriver } from "../../runtime/driver/index.ts";
import { type MutantEnv, type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "PERSIST-7",
  description: "setAlarm queued and stored every 300 ms (and on stop/restart): lost on SIGKILL",
  suites: ["crash"],
};

const queues = new WeakMap<
  MutantEnv,
  { flush(): Promise<void>; timer: ReturnType<typeof setInterval> }
>();

async function drain(env: MutantEnv): Promise<void> {
  const queue = queues.get(env);
  if (!queue) return;
  clearInterval(queue.timer);
  await queue.flush();
}

export default mutantDriver("sched-alarm-write-behind", "file-system", {
  actorDriver: (inner: ActorDriver, env): ActorDriver => {
    const pending = new Map<string, number>();
    const flush = async () => {
      const batch = [...pending];
      pending.clear();
      for (const [actorId, at] of batch) await inner.setAlarm(actorId, at);
    };
    const timer = setInterval(() => void flush().catch(() => undefined), 300);
    timer.unref();
    queues.set(env, { flush, timer });
    return {
      ...inner,
      async setAlarm(actorId, timestampMs) {
        pending.set(actorId, timestampMs);
      },
    };
  },
  instance: (inner, env) => ({
    ...inner,
    async stop() {
      await drain(env);
      await inner.stop();
    },
    async restart() {
      await drain(env);
      return inner.restart!();
    },
  }),
});

/**
 * PERSIST-7 broken, the way a driver with a write-behind cache breaks it: writePersistedData
 * puts the bytes in a buffer and answers at once; a timer flushes the buffer every 200 ms, and
 * stop() and restart() flush it first, so every graceful path (and every read, served from the
 * buffer) looks right. A SIGKILL loses every write acknowledged since the last flush.
 */
import type { ActorDriver } from "../../runtime/driver/index.ts";
import { type MutantEnv, type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "PERSIST-7",
  description:
    "write-behind cache: writes acknowledged from a buffer flushed every 200 ms and on stop/restart, lost on SIGKILL",
  suites: ["crash"],
};

interface WriteBehind {
  pending: Map<string, Uint8Array>;
  flush(): Promise<void>;
  timer: ReturnType<typeof setInterval>;
}

const caches = new WeakMap<MutantEnv, WriteBehind>();

async function closeCache(env: MutantEnv): Promise<void> {
  const cache = caches.get(env);
  if (!cache) return;
  clearInterval(cache.timer);
  await cache.flush();
}

export default mutantDriver("persist-crash-write-behind", "file-system", {
  actorDriver: (inner: ActorDriver, env): ActorDriver => {
    const pending = new Map<string, Uint8Array>();
    const flush = async () => {
      const batch = [...pending];
      pending.clear();
      for (const [actorId, data] of batch) await inner.writePersistedData(actorId, data);
    };
    const timer = setInterval(() => void flush().catch(() => undefined), 200);
    timer.unref();
    caches.set(env, { pending, flush, timer });
    return {
      ...inner,
      async readPersistedData(actorId) {
        return pending.get(actorId) ?? inner.readPersistedData(actorId);
      },
      async writePersistedData(actorId, data) {
        pending.set(actorId, data);
      },
    };
  },
  instance: (inner, env) => ({
    ...inner,
    async stop() {
      await closeCache(env);
      await inner.stop();
    },
    async restart() {
      await closeCache(env);
      return inner.restart!();
    },
  }),
});

/**
 * PERSIST-7 broken, the way a driver whose stop() closes its database first breaks it: stop()
 * marks the store closed and then stops the actors, so their final saves (state changed outside
 * an action, waiting for the periodic save) are refused and lost. Actions, which save before they
 * reply, are unaffected; only a graceful stop loses data.
 */
import type { ActorDriver } from "../../runtime/driver/index.ts";
import { type MutantEnv, type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "PERSIST-7",
  description:
    "stop() closes the database before the actors' final saves, which are refused and lost",
  suites: ["crash"],
};

const stores = new WeakMap<MutantEnv, { closed: boolean }>();

export default mutantDriver("persist-stop-before-save", "file-system", {
  actorDriver: (inner: ActorDriver, env): ActorDriver => {
    const store = { closed: false };
    stores.set(env, store);
    return {
      ...inner,
      async writePersistedData(actorId, data) {
        if (store.closed) throw new Error("database is closed");
        await inner.writePersistedData(actorId, data);
      },
    };
  },
  instance: (inner, env) => ({
    ...inner,
    async stop() {
      const store = stores.get(env);
      if (store) store.closed = true;
      await inner.stop();
    },
  }),
});

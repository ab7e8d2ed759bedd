/**
 * PERSIST-8 broken the way a restart() that reopens storage before the old actors are stopped
 * breaks it: the store is marked closed first, so the actors' final saves (state changed outside
 * an action, waiting for the periodic save) are refused and lost across an immediate restart().
 */
import type { ActorDriver } from "../../runtime/driver/index.ts";
import { type MutantEnv, type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "PERSIST-8",
  description: "restart() closes the store before the old actors' final saves, which are lost",
  suites: ["driver-starts"],
  grep: "restart-keeps",
};

const stores = new WeakMap<MutantEnv, { closed: boolean }>();

export default mutantDriver("persist-restart-skips-final-save", "file-system", {
  actorDriver: (inner: ActorDriver, env): ActorDriver => {
    const store = { closed: false };
    stores.set(env, store);
    return {
      ...inner,
      async writePersistedData(actorId, data) {
        if (store.closed) throw new Error("store is closed for the restart");
        await inner.writePersistedData(actorId, data);
      },
    };
  },
  instance: (inner, env) => ({
    ...inner,
    async restart() {
      const store = stores.get(env);
      if (store) store.closed = true;
      return inner.restart!();
    },
  }),
});

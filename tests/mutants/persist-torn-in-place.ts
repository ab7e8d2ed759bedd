/**
 * PERSIST-7 broken the way a driver that updates records in place breaks it: each write first
 * stores the new record's first half (as a write() of the first chunk would, with no temp file
 * and rename), then the whole record a moment later. A kill in between leaves a torn record.
 */
import type { ActorDriver } from "../../runtime/driver/index.ts";
import { delay, type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "PERSIST-7",
  description: "records rewritten in place in two chunks: a kill between them leaves a torn record",
  suites: ["crash"],
};

export default mutantDriver("persist-torn-in-place", "file-system", {
  actorDriver: (inner: ActorDriver): ActorDriver => ({
    ...inner,
    async writePersistedData(actorId, data) {
      await inner.writePersistedData(actorId, data.slice(0, Math.floor(data.length / 2)));
      await delay(15);
      await inner.writePersistedData(actorId, data);
    },
  }),
});

/**
 * PERSIST-2 broken: writePersistedData resolves at once and writes 300 ms later, so a reply can
 * come before the state it changed is stored (and a restart in between loses it).
 */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "PERSIST-2",
  description: "writePersistedData resolves before the write and performs it 300 ms later",
  suites: ["state"],
  grep: "reply-after-durable-write",
};

export default mutantDriver("persist-write-behind", "file-system", {
  actorDriver: (inner) => ({
    ...inner,
    async writePersistedData(actorId, data) {
      setTimeout(() => {
        inner.writePersistedData(actorId, data).catch(() => undefined);
      }, 300).unref();
    },
  }),
});

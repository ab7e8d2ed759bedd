/**
 * PERSIST-9 broken: when a write fails, the new record has already replaced the old one (the
 * rename went through and a later step such as the directory fsync failed), yet the driver
 * reports the failure. The runtime rolls its memory back, but storage keeps the failed change
 * and a restart brings it back.
 */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "PERSIST-9",
  description: "a write that reports failure has already replaced the stored bytes",
  suites: ["persistence-faults"],
  grep: "failed-write",
};

/** Actors whose writes "fail after the rename", per start (a restart clears the fault). */
const failing = new Set<string>();

export default mutantDriver("persist-failed-write-applied", "file-system", {
  actorDriver: (inner) => ({
    ...inner,
    async writePersistedData(actorId, data) {
      await inner.writePersistedData(actorId, data);
      if (failing.has(actorId)) {
        throw Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO" });
      }
    },
  }),
  instance: (inner) => ({
    ...inner,
    async failPersistedWrites(actorId, fail) {
      if (fail) failing.add(actorId);
      else failing.delete(actorId);
    },
  }),
});

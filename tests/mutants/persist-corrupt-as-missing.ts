/**
 * PERSIST-5 broken: a record that no longer decodes is treated as if the actor never existed,
 * so a damaged actor silently disappears (actor_not_found) instead of failing with
 * persisted_data_corrupt.
 */
import { ActorError } from "../../runtime/driver/index.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "PERSIST-5",
  description:
    "a damaged actor record is reported as a missing actor instead of persisted_data_corrupt",
  suites: ["persistence-faults"],
};

/** Runs `read`, turning a persisted_data_corrupt rejection into "no such actor". */
async function corruptAsMissing<T>(read: () => Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ActorError && error.code === "persisted_data_corrupt") return undefined;
    throw error;
  }
}

export default mutantDriver("persist-corrupt-as-missing", "file-system", {
  actorDriver: (inner) => ({
    ...inner,
    readPersistedData: (actorId) => corruptAsMissing(() => inner.readPersistedData(actorId)),
  }),
  metadata: (inner) => (actorId) => corruptAsMissing(() => inner(actorId)),
  manager: (inner) => ({
    ...inner,
    getForId: (input) => corruptAsMissing(() => inner.getForId(input)),
  }),
});

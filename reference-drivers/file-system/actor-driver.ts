/**
 * The ActorDriver of the file-system driver: the runtime's reads, writes and alarms, mapped onto
 * the durable store. A write or an alarm is durable when its promise resolves, so the runtime,
 * which replies to an action only after its state write resolves, never acknowledges a change
 * a crash could lose (PERSIST-2, PERSIST-3, SCHED-4).
 */
import type { ActorDriver } from "../../runtime/driver/index.ts";
import type { AlarmTimers } from "./alarms.ts";
import type { ActorStore } from "./storage/actor-store.ts";

/** The value `ActorDriver.getContext` hands to `createVars` (VARS-3). */
export interface FileSystemDriverContext {
  readonly driver: "file-system";
  /** The absolute data directory the actor's files live under. */
  readonly dataDir: string;
}

/**
 * Builds the ActorDriver over `store`, arming `timers` for alarms. `readPersistedData` resolves
 * `undefined` for an unknown id and rejects `persisted_data_corrupt` for a damaged file;
 * `writePersistedData` and `setAlarm` reject `actor_not_found` for an unknown id.
 */
export function createFileSystemActorDriver(store: ActorStore, timers: AlarmTimers): ActorDriver {
  const context: FileSystemDriverContext = Object.freeze({
    driver: "file-system",
    dataDir: store.layout.root,
  });
  return {
    readPersistedData: (actorId) => store.readPersistedData(actorId),
    writePersistedData: (actorId, data) => store.writePersistedData(actorId, data),
    async setAlarm(actorId, timestampMs) {
      if (!Number.isFinite(timestampMs)) {
        throw new TypeError(
          `setAlarm(${actorId}): timestamp ${timestampMs} is not a finite number of ms`,
        );
      }
      // Disk first: once this resolves the alarm survives a restart, then the timer is armed.
      await store.writeAlarm(actorId, timestampMs);
      timers.arm(actorId, timestampMs);
    },
    getContext: () => context,
  };
}

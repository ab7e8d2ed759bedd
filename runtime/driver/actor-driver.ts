/**
 * The ActorDriver contract: the storage and alarm side the runtime calls for each actor. It has
 * no routing method: all traffic to actors goes through the ManagerDriver (seed architecture).
 */

/**
 * Storage and alarms for actors. The runtime calls these; the driver never calls the runtime
 * except to fire an alarm through `LocalActorHost.fireAlarm(actorId)` (or its own equivalent).
 */
export interface ActorDriver {
  /**
   * Reads the bytes last written for `actorId` (initially those written by createActor).
   * Resolves `undefined` for an actor that was never created. Rejects with an ActorError of code
   * `persisted_data_corrupt` when stored bytes cannot be read back (PERSIST-5).
   */
  readPersistedData(actorId: string): Promise<Uint8Array | undefined>;
  /**
   * Replaces the bytes stored for `actorId`. When the promise resolves the write is complete:
   * a later read (and, for durable drivers, a read after restart or crash) returns these bytes
   * or newer ones, never a mix (PERSIST-1, PERSIST-3). The runtime never issues two concurrent
   * writes for one actor.
   */
  writePersistedData(actorId: string, data: Uint8Array): Promise<void>;
  /**
   * Arranges for the actor's alarm to fire at or after `timestampMs` (Unix epoch, ms), replacing
   * any earlier request for this actor. Firing early or twice is tolerated: the runtime re-checks
   * due times (SCHED-1). Durable drivers keep the alarm across restart (SCHED-4).
   */
  setAlarm(actorId: string, timestampMs: number): Promise<void>;
  /**
   * Optional driver-specific value handed to `createVars(c, driverContext)` (VARS-3).
   */
  getContext?(actorId: string): unknown;
  /**
   * Optional: `actorId` went to sleep. Its last write has resolved and its instance is dropped;
   * release what you hold for it (a lease, a cache entry, a handle). Keep its data and its
   * alarm: a due alarm must still wake it through `fireAlarm` (SLEEP-4), and its next
   * instance reads what it wrote (SLEEP-3). The runtime starts no instance of this actor until
   * the promise settles; a rejection is logged.
   */
  onSleep?(actorId: string): Promise<void> | void;
}

/**
 * The ManagerDriver of the file-system driver: lookups and creation go to the durable store;
 * the four routing methods go to the runtime's local actor host, in process.
 */
import type { ActorOutput, LocalActorHost, ManagerDriver } from "../../runtime/driver/index.ts";
import type { ActorStore, StoredActor } from "./storage/actor-store.ts";

/** What the manager needs: the store, the host, and the runtime's initial-bytes helper. */
export interface FileSystemManagerOptions {
  store: ActorStore;
  host: LocalActorHost;
  /** `ctx.runtime.createInitialPersistedData` (MGR-6). */
  createInitialPersistedData(input: unknown): Uint8Array;
}

/** The ActorOutput of a stored actor; `region` only when one was given at creation (MGR-8). */
export function toActorOutput(actor: StoredActor): ActorOutput {
  const output: ActorOutput = { actorId: actor.actorId, name: actor.name, key: [...actor.key] };
  if (actor.region !== undefined) output.region = actor.region;
  return output;
}

/**
 * Builds the ManagerDriver. getForId/getWithKey resolve `undefined` on a miss and reject
 * `persisted_data_corrupt` for a damaged actor; getOrCreateWithKey is single-flight per key
 * (MGR-4); createActor rejects `actor_already_exists` on a taken key (MGR-5). Both resolve only
 * once the new actor is durable.
 */
export function createFileSystemManagerDriver(options: FileSystemManagerOptions): ManagerDriver {
  const { store, host, createInitialPersistedData } = options;
  return {
    async getForId({ actorId }) {
      const actor = await store.getActor(actorId);
      return actor && toActorOutput(actor);
    },
    async getWithKey({ name, key }) {
      const actor = await store.findByKey(name, key);
      return actor && toActorOutput(actor);
    },
    async getOrCreateWithKey({ name, key, input, region }) {
      const { actor } = await store.getOrCreate(
        { name, key, region },
        () => createInitialPersistedData(input),
        false,
      );
      return toActorOutput(actor);
    },
    async createActor({ name, key, input, region }) {
      const { actor } = await store.getOrCreate(
        { name, key, region },
        () => createInitialPersistedData(input),
        true,
      );
      return toActorOutput(actor);
    },
    sendRequest: (actorId, request) => host.sendRequest(actorId, request),
    openWebSocket: (actorId, request) => host.openWebSocket(actorId, request),
    proxyRequest: (actorId, request) => host.proxyRequest(actorId, request),
    proxyWebSocket: (actorId, request, socket) => host.proxyWebSocket(actorId, request, socket),
  };
}

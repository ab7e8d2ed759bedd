/**
 * The file-system driver: durable, crash-safe, one process per data directory. It is the
 * runtime's local actor host plus a durable store (storage/), the same skeleton as the memory
 * driver with files in place of a Map; diff the two to see what durability adds. The storage
 * layout is in storage/layout.ts, the durability rule in storage/actor-store.ts.
 *
 * `restart()` drops everything held in memory and opens the same data directory again, so what
 * survives it is exactly what is on disk (RESTART-1).
 */

import { stat, truncate } from "node:fs/promises";
import { resolve } from "node:path";
import {
  type DriverInstance,
  type DriverStartContext,
  defineDriver,
  type LocalActorHost,
  type ManagerDriver,
} from "../../runtime/driver/index.ts";
import { createFileSystemActorDriver } from "./actor-driver.ts";
import { AlarmTimers } from "./alarms.ts";
import { createFileSystemManagerDriver } from "./manager.ts";
import { ActorStore } from "./storage/actor-store.ts";
import { namespaceDir } from "./storage/layout.ts";

export { createFileSystemActorDriver, type FileSystemDriverContext } from "./actor-driver.ts";
export { createFileSystemManagerDriver, type FileSystemManagerOptions } from "./manager.ts";
export { ActorStore, type StoredActor, type StoreOpenReport } from "./storage/actor-store.ts";

/**
 * The data directory used when `start` gets none (the harness always passes `ctx.dataDir`; a
 * program starting the driver itself may omit it). Relative to the working directory.
 */
export const DEFAULT_DATA_DIR = ".data/driver-cert/file-system";

/** `start`'s context, with `dataDir` optional (DEFAULT_DATA_DIR when omitted). */
export type FileSystemStartContext = Omit<DriverStartContext, "dataDir"> & { dataDir?: string };

/** A started file-system driver: `restart` is always present (the driver is durable). */
export interface FileSystemDriverInstance extends DriverInstance {
  /** The absolute data directory in use. */
  readonly dataDir: string;
  restart(): Promise<FileSystemDriverInstance>;
}

/**
 * Opens the data directory (taking its lock, repairing what a crash left), builds the drivers
 * and the local actor host, and re-arms every persisted alarm: one that came due while the
 * driver was down fires once, shortly after start (SCHED-4). Throws an Error when another
 * process holds the directory. A damaged actor file never fails the start (PERSIST-5).
 */
export async function startFileSystemDriver(
  ctx: FileSystemStartContext,
): Promise<FileSystemDriverInstance> {
  const dataDir = resolve(ctx.dataDir ?? DEFAULT_DATA_DIR);
  const store = await ActorStore.open(namespaceDir(dataDir, ctx.namespace));
  let stopping = false;
  let host: LocalActorHost | undefined;
  const timers = new AlarmTimers(async (actorId, at) => {
    try {
      await host!.fireAlarm(actorId);
      // Fired and not re-armed meanwhile: forget it, so a restart does not fire it again. (A
      // stop that cut the fire short has the runtime re-arm it for the events it kept.)
      if (timers.pending(actorId) === undefined) await store.removeAlarm(actorId, at);
    } catch (error) {
      // The alarm file stays, so the alarm fires again at the next start.
      if (!stopping) console.warn(`file-system driver: alarm of actor ${actorId} failed:`, error);
    }
  });
  let manager: ManagerDriver;
  try {
    host = ctx.runtime.createLocalActorHost({
      registry: ctx.registry,
      actorDriver: createFileSystemActorDriver(store, timers),
      getActorMetadata: async (actorId) => manager.getForId({ actorId }),
      managerDriver: () => manager,
    });
    manager = createFileSystemManagerDriver({
      store,
      host,
      createInitialPersistedData: (input) => ctx.runtime.createInitialPersistedData(input),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
  for (const { actorId, at } of store.report.alarms) timers.arm(actorId, at);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= (async () => {
      stopping = true;
      timers.stop();
      try {
        // The host's final saves still reach the store, which closes last.
        await host!.stop();
        await timers.idle();
      } finally {
        await store.close();
      }
    })();
    return stopped;
  };
  return {
    dataDir,
    manager,
    stop,
    async restart() {
      await stop();
      return startFileSystemDriver({ ...ctx, dataDir });
    },
    // PERSIST-5 test hook: a torn record, as a crash mid-write without rename would leave.
    async damagePersistedData(actorId) {
      const file = store.layout.actorFile(actorId);
      if (file === undefined) throw new TypeError(`not an actor id: ${JSON.stringify(actorId)}`);
      const { size } = await stat(file);
      await truncate(file, Math.floor(size / 2));
    },
    // PERSIST-9 test hook: the actor's writes fail with ENOSPC, as on a full disk.
    async failPersistedWrites(actorId, fail) {
      store.refuseWrites(actorId, fail);
    },
  };
}

/** The driver definition (DRV-1): every capability, durable across `restart()`. */
export default defineDriver({
  name: "file-system",
  contractVersion: 1,
  capabilities: { websocket: true, sse: true, schedule: true, durable: true, sleep: true },
  start: startFileSystemDriver,
});

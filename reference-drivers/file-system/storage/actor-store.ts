/**
 * The durable store behind the file-system driver: actor records, the key index and alarms under
 * one data directory, every file written with writeFileAtomic.
 *
 * Durability rule: a change is durable when the promise of the call that made it resolves
 * (createActor/getOrCreate, writePersistedData, writeAlarm). Creation writes the actor file
 * first, then the key-index entry. The index is derived data: every actor record names its own
 * key, so an entry that is missing at open (a crash between the two writes, a lost index file)
 * is rebuilt from the record; an actor file is never deleted for want of an entry.
 * A key entry whose actor file is missing or names another key is reported as
 * `persisted_data_corrupt` for that key (never silently replaced: that could hide data loss).
 */
import { randomUUID } from "node:crypto";
import { mkdir, readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ActorError, type ActorKey } from "../../../runtime/driver/index.ts";
import {
  CorruptFileError,
  readFileChecked,
  removeFileDurable,
  removeStaleTempFiles,
  syncDirectory,
  writeFileAtomic,
} from "./atomic-file.ts";
import { acquireDirLock, type DirLock } from "./dir-lock.ts";
import {
  ACTOR_SUFFIX,
  ALARM_SUFFIX,
  actorIdFromFileName,
  createLayout,
  type DataLayout,
  keyDigest,
} from "./layout.ts";
import {
  decodeActorRecord,
  decodeAlarmEntry,
  decodeKeyEntry,
  encodeActorRecord,
  encodeAlarmEntry,
  encodeKeyEntry,
  RecordShapeError,
} from "./records.ts";
import { SerialQueues } from "./serial-queue.ts";

/** What the store knows of one actor apart from its persisted bytes. Never changes once created. */
export interface StoredActor {
  actorId: string;
  name: string;
  key: string[];
  region?: string;
  /** ms since the Unix epoch. */
  createdAt: number;
}

/** What `ActorStore.open` found and repaired. */
export interface StoreOpenReport {
  /** Temp files of interrupted writes, deleted. */
  removedTempFiles: number;
  /**
   * Actor ids whose key-index entry was missing (a creation cut by a crash, an index file lost)
   * and was rebuilt from the actor's own record.
   */
  rebuiltKeyEntries: string[];
  /** Actor files kept without a key entry, and why none could be rebuilt. */
  unindexedActors: { actorId: string; reason: string }[];
  /** Pending alarms: `at` is 0 for an alarm file that could not be read (fire it now). */
  alarms: { actorId: string; at: number }[];
}

function corrupt(subject: string, reason: string, actorId?: string): ActorError {
  return new ActorError(
    "persisted_data_corrupt",
    `${subject}: persisted data is corrupt (${reason})`,
    {
      metadata: actorId === undefined ? { reason } : { actorId, reason },
    },
  );
}

/** The error a write on a full disk fails with. */
function noSpace(path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOSPC: no space left on device, write '${path}'`), {
    code: "ENOSPC",
    errno: -28,
    syscall: "write",
    path,
  });
}

function reasonOf(error: unknown): string | undefined {
  if (error instanceof CorruptFileError || error instanceof RecordShapeError) return error.reason;
  return undefined;
}

function sameKey(a: ActorKey, b: ActorKey): boolean {
  return a.length === b.length && a.every((part, i) => part === b[i]);
}

/** Actor records, key index and alarms of one data directory. Open with `ActorStore.open`. */
export class ActorStore {
  readonly layout: DataLayout;
  readonly report: StoreOpenReport;
  readonly #lock: DirLock;
  readonly #actorQueues = new SerialQueues();
  readonly #keyQueues = new SerialQueues();
  readonly #actors = new Map<string, StoredActor>();
  /**
   * Key digest to actor id, for keys this store has read or written. Safe to trust: the
   * directory lock makes this process the only writer, and key entries are never removed.
   */
  readonly #byKey = new Map<string, string>();
  #closed = false;
  /** Actors whose writes fail as on a full disk (the PERSIST-9 test hook). */
  readonly #refusedWrites = new Set<string>();

  private constructor(layout: DataLayout, lock: DirLock, report: StoreOpenReport) {
    this.layout = layout;
    this.#lock = lock;
    this.report = report;
  }

  /**
   * Opens (creating if needed) the data directory `dataDir`: takes its lock, removes temp files
   * and orphans a crash left, and collects pending alarms. A corrupt file never fails the open;
   * it fails only the actor it belongs to. Throws an Error when another process holds the lock.
   */
  static async open(dataDir: string): Promise<ActorStore> {
    const layout = createLayout(dataDir);
    if ((await mkdir(layout.root, { recursive: true })) !== undefined) {
      await syncDirectory(dirname(layout.root)); // a new data directory's own entry is durable too
    }
    const lock = await acquireDirLock(layout.lockFile);
    try {
      for (const dir of [layout.actorsDir, layout.keysDir, layout.alarmsDir]) {
        await mkdir(dir, { recursive: true });
      }
      await syncDirectory(layout.root);
      const report = await recover(layout);
      return new ActorStore(layout, lock, report);
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new ActorError("internal_error", `file-system store ${this.layout.root} is closed`);
    }
  }

  /**
   * Queues `task` on the actor's queue. The open check is made here, synchronously, after any
   * await of the caller: close() waits for every task queued before it and refuses the rest, so
   * no write can land after close() resolved (and another process took the directory).
   */
  #enqueue<T>(actorId: string, task: () => Promise<T>): Promise<T> {
    this.#assertOpen();
    return this.#actorQueues.run(actorId, task);
  }

  /**
   * The actor with this id, or `undefined` for an id that is not one of ours or has no file.
   * Rejects `persisted_data_corrupt` when its file is damaged.
   */
  async getActor(actorId: string): Promise<StoredActor | undefined> {
    this.#assertOpen();
    const cached = this.#actors.get(actorId);
    if (cached) return cached;
    const path = this.layout.actorFile(actorId);
    if (path === undefined) return undefined;
    return (await this.#readRecord(actorId, path))?.actor;
  }

  async #readRecord(actorId: string, path: string) {
    let record: ReturnType<typeof decodeActorRecord>;
    try {
      const payload = await readFileChecked(path);
      if (payload === undefined) return undefined;
      record = decodeActorRecord(payload);
    } catch (error) {
      const reason = reasonOf(error);
      if (reason === undefined) throw error;
      throw corrupt(`actor ${actorId}`, reason, actorId);
    }
    if (record.id !== actorId)
      throw corrupt(`actor ${actorId}`, `file holds actor ${record.id}`, actorId);
    const actor: StoredActor = {
      actorId,
      name: record.name,
      key: record.key,
      region: record.region,
      createdAt: record.createdAt,
    };
    this.#actors.set(actorId, actor);
    return { actor, persistedData: record.persistedData };
  }

  /**
   * The actor holding (name, key), comparing keys as whole arrays (KEY-1), or `undefined`.
   * Rejects `persisted_data_corrupt` when the key entry or the actor it names is damaged.
   */
  async findByKey(name: string, key: ActorKey): Promise<StoredActor | undefined> {
    this.#assertOpen();
    const digest = keyDigest(name, key);
    const known = this.#byKey.get(digest);
    const cached = known === undefined ? undefined : this.#actors.get(known);
    if (cached) return cached;
    const subject = `key index entry for ${JSON.stringify(name)} ${JSON.stringify(key)}`;
    let entry: ReturnType<typeof decodeKeyEntry>;
    try {
      const payload = await readFileChecked(this.layout.keyFile(name, key));
      if (payload === undefined) return undefined;
      entry = decodeKeyEntry(payload);
    } catch (error) {
      const reason = reasonOf(error);
      if (reason === undefined) throw error;
      throw corrupt(subject, reason);
    }
    if (entry.name !== name || !sameKey(entry.key, key)) {
      throw corrupt(subject, "entry names another key");
    }
    const actor = await this.getActor(entry.actorId);
    if (actor === undefined)
      throw corrupt(subject, `actor ${entry.actorId} has no file`, entry.actorId);
    if (actor.name !== name || !sameKey(actor.key, key)) {
      throw corrupt(subject, `actor ${entry.actorId} holds another key`, entry.actorId);
    }
    this.#byKey.set(digest, entry.actorId);
    return actor;
  }

  /**
   * Returns the actor holding (name, key), creating it with `initialData()` when none does.
   * Single-flight per (name, key) within this process: concurrent callers get one actor (MGR-4).
   * With `mustCreate`, an existing actor rejects `actor_already_exists` (MGR-5). Resolves after
   * the actor file and then the key entry are durable.
   */
  async getOrCreate(
    input: { name: string; key: ActorKey; region?: string },
    initialData: () => Uint8Array,
    mustCreate: boolean,
  ): Promise<{ actor: StoredActor; created: boolean }> {
    this.#assertOpen();
    const { name, key, region } = input;
    return this.#keyQueues.run(keyDigest(name, key), async () => {
      const existing = await this.findByKey(name, key);
      if (existing) {
        if (mustCreate) {
          throw new ActorError(
            "actor_already_exists",
            `actor ${JSON.stringify(name)} with key ${JSON.stringify(key)} already exists (${existing.actorId})`,
            { metadata: { name, key: [...key], actorId: existing.actorId } },
          );
        }
        return { actor: existing, created: false };
      }
      const actor: StoredActor = {
        actorId: randomUUID(),
        name,
        key: [...key],
        region,
        createdAt: Date.now(),
      };
      const persistedData = initialData();
      // Actor file first: until the key entry lands, nobody can reach it (see module doc).
      await writeFileAtomic(
        this.layout.actorFile(actor.actorId)!,
        encodeActorRecord({ ...actor, id: actor.actorId, persistedData }),
      );
      await writeFileAtomic(
        this.layout.keyFile(name, key),
        encodeKeyEntry({ actorId: actor.actorId, name, key: actor.key }),
      );
      this.#actors.set(actor.actorId, actor);
      this.#byKey.set(keyDigest(name, key), actor.actorId);
      return { actor, created: true };
    });
  }

  async #requireActor(actorId: string): Promise<StoredActor> {
    const actor = await this.getActor(actorId);
    if (!actor)
      throw new ActorError("actor_not_found", `actor ${actorId} does not exist`, {
        metadata: { actorId },
      });
    return actor;
  }

  /**
   * The bytes last written for the actor, or `undefined` for an unknown id. Rejects
   * `persisted_data_corrupt` when the file is damaged. Ordered after this actor's earlier writes.
   */
  async readPersistedData(actorId: string): Promise<Uint8Array | undefined> {
    this.#assertOpen();
    const path = this.layout.actorFile(actorId);
    if (path === undefined) return undefined;
    return this.#enqueue(
      actorId,
      async () => (await this.#readRecord(actorId, path))?.persistedData,
    );
  }

  /**
   * Replaces the actor's bytes; resolves once they are durable (the durability rule). Writes to
   * one actor run one at a time, in call order. Rejects `actor_not_found` for an unknown id.
   */
  async writePersistedData(actorId: string, data: Uint8Array): Promise<void> {
    this.#assertOpen();
    const actor = await this.#requireActor(actorId);
    // Encoded now: the caller may reuse its buffer once this call returns.
    const bytes = encodeActorRecord({ ...actor, id: actorId, persistedData: data });
    await this.#enqueue(actorId, async () => {
      if (this.#refusedWrites.has(actorId)) throw noSpace(this.layout.actorFile(actorId)!);
      await writeFileAtomic(this.layout.actorFile(actorId)!, bytes);
    });
  }

  /**
   * Test hook (PERSIST-9): while `refuse` is true, writes of `actorId`'s record fail with
   * ENOSPC before any byte reaches the disk, as writeFileAtomic fails on a full disk.
   */
  refuseWrites(actorId: string, refuse: boolean): void {
    if (refuse) this.#refusedWrites.add(actorId);
    else this.#refusedWrites.delete(actorId);
  }

  /** Persists the actor's alarm time (ms since epoch); durable when it resolves. */
  async writeAlarm(actorId: string, at: number): Promise<void> {
    this.#assertOpen();
    await this.#requireActor(actorId);
    const bytes = encodeAlarmEntry({ actorId, at });
    await this.#enqueue(actorId, () => writeFileAtomic(this.layout.alarmFile(actorId)!, bytes));
  }

  /**
   * Removes the actor's alarm file if it still holds `at` (a newer alarm is kept). Called after
   * the alarm fired, so it does not fire again after a restart.
   */
  async removeAlarm(actorId: string, at: number): Promise<void> {
    this.#assertOpen();
    const path = this.layout.alarmFile(actorId);
    if (path === undefined) return;
    await this.#enqueue(actorId, async () => {
      let current: number | undefined;
      try {
        const payload = await readFileChecked(path);
        current = payload === undefined ? undefined : decodeAlarmEntry(payload).at;
      } catch {
        current = at; // a damaged file gave its alarm at start; it has fired now
      }
      if (current === at) await removeFileDurable(path);
    });
  }

  /** Waits for every queued write, then releases the lock. Later calls reject. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#keyQueues.idle();
    await this.#actorQueues.idle();
    await this.#lock.release();
  }
}

/**
 * Start-up repair: temp files, key-index entries lost (a crash between the two writes of a
 * creation, a deleted or never-synced index file), and the list of pending alarms. The actor
 * record names its own key, so a missing entry is rebuilt from it; an actor file is never
 * deleted for want of an index entry.
 */
async function recover(layout: DataLayout): Promise<StoreOpenReport> {
  let removedTempFiles = 0;
  for (const dir of [layout.actorsDir, layout.keysDir, layout.alarmsDir]) {
    removedTempFiles += await removeStaleTempFiles(dir);
  }
  const indexed = new Set<string>();
  for (const file of await readdir(layout.keysDir)) {
    try {
      const payload = await readFileChecked(join(layout.keysDir, file));
      if (payload !== undefined) indexed.add(decodeKeyEntry(payload).actorId);
    } catch {
      // A damaged entry fails its key at lookup (persisted_data_corrupt); nothing to do here.
    }
  }
  const actorIds = new Set<string>();
  const rebuiltKeyEntries: string[] = [];
  const unindexedActors: StoreOpenReport["unindexedActors"] = [];
  for (const file of await readdir(layout.actorsDir)) {
    const actorId = actorIdFromFileName(file, ACTOR_SUFFIX);
    if (actorId === undefined) continue;
    actorIds.add(actorId);
    if (indexed.has(actorId)) continue;
    const why = await rebuildKeyEntry(layout, actorId);
    if (why === undefined) rebuiltKeyEntries.push(actorId);
    else unindexedActors.push({ actorId, reason: why });
  }
  const alarms: StoreOpenReport["alarms"] = [];
  for (const file of await readdir(layout.alarmsDir)) {
    const actorId = actorIdFromFileName(file, ALARM_SUFFIX);
    if (actorId === undefined) continue;
    if (!actorIds.has(actorId)) {
      await removeFileDurable(layout.alarmFile(actorId)!);
      continue;
    }
    try {
      const payload = await readFileChecked(layout.alarmFile(actorId)!);
      if (payload === undefined) continue;
      const entry = decodeAlarmEntry(payload);
      alarms.push({ actorId, at: entry.actorId === actorId ? entry.at : 0 });
    } catch {
      // Firing early is harmless (the runtime re-checks due times); missing one is not.
      alarms.push({ actorId, at: 0 });
    }
  }
  return { removedTempFiles, rebuiltKeyEntries, unindexedActors, alarms };
}

/**
 * Writes the key-index entry of `actorId` from the name and key its own record holds. Resolves
 * `undefined` when written, or why not: the record cannot be read (its reads fail with
 * `persisted_data_corrupt`), or its key file exists (another actor holds the key, or the entry
 * is damaged and fails that key at lookup). The actor file is kept either way.
 */
async function rebuildKeyEntry(layout: DataLayout, actorId: string): Promise<string | undefined> {
  let record: ReturnType<typeof decodeActorRecord>;
  try {
    const payload = await readFileChecked(layout.actorFile(actorId)!);
    if (payload === undefined) return "the actor file vanished";
    record = decodeActorRecord(payload);
  } catch (error) {
    return `actor file unreadable: ${reasonOf(error) ?? String(error)}`;
  }
  if (record.id !== actorId) return `actor file holds actor ${record.id}`;
  const keyFile = layout.keyFile(record.name, record.key);
  if ((await readFileChecked(keyFile).catch(() => new Uint8Array())) !== undefined) {
    return "its key file exists and names another actor, or is damaged";
  }
  await writeFileAtomic(keyFile, encodeKeyEntry({ actorId, name: record.name, key: record.key }));
  return undefined;
}

/**
 * What one actor's Durable Object keeps in its SQLite storage: the actor's record (namespace,
 * id, name, key, region), its persisted bytes with their SHA-256, the alarm time the runtime
 * asked for, and whether its driver namespace is stopped. All reads and writes are synchronous
 * SQL inside the object, so no other event of the object interleaves with them (input gates).
 */
import { ActorError, type ActorOutput } from "../../../runtime/driver/index.ts";
import type { SqlStorage } from "./platform.ts";

/** An actor's record: its ActorOutput plus the driver namespace it was created in. */
export interface ActorRecord extends ActorOutput {
  namespace: string;
}

const SCHEMA = [
  // JSON text keeps every key exactly, lone surrogates included (JSON.stringify escapes them).
  "CREATE TABLE IF NOT EXISTS actor (one INTEGER PRIMARY KEY CHECK (one = 1), record TEXT NOT NULL)",
  "CREATE TABLE IF NOT EXISTS persisted (one INTEGER PRIMARY KEY CHECK (one = 1), data BLOB NOT NULL, digest BLOB NOT NULL)",
  "CREATE TABLE IF NOT EXISTS driver (name TEXT PRIMARY KEY, value REAL NOT NULL)",
];

/** The SHA-256 of `bytes`, stored beside them. */
export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && a.every((byte, i) => byte === b[i]);
}

function blob(value: unknown): Uint8Array {
  return value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value as Uint8Array);
}

/**
 * What the driver keeps beside the actor: `alarmAt` (ms, the time the runtime asked for),
 * `stopped` (1 while its namespace is stopped), `failWrites` (1 while writes fail, PERSIST-9).
 */
export type DriverField = "alarmAt" | "stopped" | "failWrites";

/** The storage of one actor object. */
export class ActorStorage {
  readonly #sql: SqlStorage;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
  }

  /**
   * The actor's record, or undefined while the object holds no actor. Probing an object that
   * holds none writes nothing: the tables are made by `create` only.
   */
  record(): ActorRecord | undefined {
    const made = this.#sql
      .exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'actor'")
      .toArray();
    if (made.length === 0) return undefined;
    const row = this.#sql.exec("SELECT record FROM actor").toArray()[0];
    return row === undefined ? undefined : (JSON.parse(row.record as string) as ActorRecord);
  }

  /**
   * Stores the record and the initial bytes (MGR-6). Synchronous, so the check before it and
   * the writes commit as one event of the object: no other create can interleave (MGR-4).
   */
  create(record: ActorRecord, data: Uint8Array, digest: Uint8Array): void {
    for (const statement of SCHEMA) this.#sql.exec(statement);
    this.#sql.exec("INSERT INTO actor (one, record) VALUES (1, ?)", JSON.stringify(record));
    this.#write(data, digest);
  }

  /**
   * The bytes last written. Rejects `persisted_data_corrupt` when they do not match their
   * SHA-256 (PERSIST-5); undefined when the object holds no actor.
   */
  async read(actorId: string): Promise<Uint8Array | undefined> {
    const row = this.#sql.exec("SELECT data, digest FROM persisted").toArray()[0];
    if (row === undefined) return undefined;
    const data = blob(row.data);
    if (!sameBytes(await sha256(data), blob(row.digest))) {
      throw new ActorError(
        "persisted_data_corrupt",
        `the stored state of actor ${actorId} does not match its checksum`,
      );
    }
    return data;
  }

  /**
   * Replaces the bytes; complete when it resolves (the object's output gate holds replies).
   * Rejects (the stored bytes untouched) while the PERSIST-9 test hook makes writes fail.
   */
  async write(data: Uint8Array): Promise<void> {
    const digest = await sha256(data);
    if (this.get("failWrites") === 1) {
      throw new Error("the actor's storage refuses writes (failPersistedWrites test hook)");
    }
    this.#write(data, digest);
  }

  #write(data: Uint8Array, digest: Uint8Array): void {
    this.#sql.exec(
      "INSERT OR REPLACE INTO persisted (one, data, digest) VALUES (1, ?, ?)",
      data.slice().buffer,
      digest.slice().buffer,
    );
  }

  /** Test hook for PERSIST-5: keeps half the bytes and the old digest, as a torn write would. */
  damage(): void {
    const row = this.#sql.exec("SELECT data FROM persisted").toArray()[0];
    if (row === undefined) throw new TypeError("no persisted data to damage");
    const data = blob(row.data);
    this.#sql.exec(
      "UPDATE persisted SET data = ?",
      data.slice(0, Math.floor(data.byteLength / 2)).buffer,
    );
  }

  /** A number the driver keeps (`alarmAt`, `stopped`, `failWrites`), or undefined. */
  get(name: DriverField): number | undefined {
    const row = this.#sql.exec("SELECT value FROM driver WHERE name = ?", name).toArray()[0];
    return row === undefined ? undefined : (row.value as number);
  }

  /** Sets or (with undefined) clears a number the driver keeps. */
  set(name: DriverField, value: number | undefined): void {
    if (value === undefined) this.#sql.exec("DELETE FROM driver WHERE name = ?", name);
    else this.#sql.exec("INSERT OR REPLACE INTO driver (name, value) VALUES (?, ?)", name, value);
  }
}

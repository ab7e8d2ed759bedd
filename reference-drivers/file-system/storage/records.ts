/**
 * The records stored inside checked files, encoded with CBOR (cbor-x) and validated with zod on
 * the way back in, so a file that passes its checksum but holds the wrong shape is still refused.
 */
import { Encoder } from "cbor-x";
import { z } from "zod";
import { encodeKeyIdentity } from "./layout.ts";

/** Everything stored for one actor, in `actors/<id>.actor`. */
export interface ActorRecord {
  id: string;
  name: string;
  key: string[];
  region?: string;
  /** Creation time, ms since the Unix epoch. */
  createdAt: number;
  /** The runtime's opaque bytes, last written by writePersistedData (or createActor). */
  persistedData: Uint8Array;
}

/** One key-index entry, in `keys/<digest>.key`: which actor holds (name, key). */
export interface KeyEntry {
  actorId: string;
  name: string;
  key: string[];
}

/** One pending alarm, in `alarms/<id>.alarm`. */
export interface AlarmEntry {
  actorId: string;
  /** When the alarm is due, ms since the Unix epoch. */
  at: number;
}

// Plain maps-as-objects, no record extension: files stay readable by any CBOR decoder.
const cbor = new Encoder({ useRecords: false, mapsAsObjects: true });

const bytesSchema = z.custom<Uint8Array>((v) => v instanceof Uint8Array, "expected a byte string");

/**
 * Names, keys and regions are stored as JSON text, not CBOR text: CBOR text must be valid UTF-8,
 * which a JS string with a lone surrogate is not, and JSON escapes it, so every string a caller
 * can pass round-trips exactly (KEY-4).
 */
const identitySchema = z.tuple([z.string(), z.array(z.string())]);

const actorRecordSchema = z.object({
  id: z.string(),
  identity: z.string(),
  region: z.string().optional(),
  createdAt: z.number(),
  persistedData: bytesSchema,
});

const keyEntrySchema = z.object({ actorId: z.string(), identity: z.string() });

const alarmEntrySchema = z.object({ actorId: z.string(), at: z.number() });

/** A payload decoded but not of the expected shape; `reason` says what was wrong. */
export class RecordShapeError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = "RecordShapeError";
  }
}

function decodeWith<T>(schema: z.ZodType<T>, payload: Uint8Array, what: string): T {
  let value: unknown;
  try {
    value = cbor.decode(payload);
  } catch (error) {
    throw new RecordShapeError(`${what} is not valid CBOR (${(error as Error).message})`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RecordShapeError(
      `${what} has the wrong shape (${issue?.path.join(".")}: ${issue?.message})`,
    );
  }
  return parsed.data;
}

function parseJsonText<T>(schema: z.ZodType<T>, text: string, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new RecordShapeError(`${what} is not valid JSON text`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RecordShapeError(`${what} has the wrong shape`);
  return parsed.data;
}

function encodeCopy(value: unknown): Uint8Array {
  // cbor-x returns a view into a shared buffer; copy so the bytes stay ours.
  return Uint8Array.from(cbor.encode(value));
}

/** CBOR bytes of an actor record. `region` is omitted when undefined. */
export function encodeActorRecord(record: ActorRecord): Uint8Array {
  const { id, name, key, region, createdAt, persistedData } = record;
  const wire = { id, identity: encodeKeyIdentity(name, key), createdAt, persistedData };
  return encodeCopy(region === undefined ? wire : { ...wire, region: JSON.stringify(region) });
}

/** Decodes an actor record; throws RecordShapeError for anything else. */
export function decodeActorRecord(payload: Uint8Array): ActorRecord {
  const wire = decodeWith(actorRecordSchema, payload, "actor record");
  const [name, key] = parseJsonText(identitySchema, wire.identity, "actor record identity");
  // A Buffer subclass from the decoder is handed on as a plain Uint8Array.
  const data = wire.persistedData;
  const record: ActorRecord = {
    id: wire.id,
    name,
    key,
    createdAt: wire.createdAt,
    persistedData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
  if (wire.region !== undefined)
    record.region = parseJsonText(z.string(), wire.region, "actor record region");
  return record;
}

/** CBOR bytes of a key-index entry. */
export function encodeKeyEntry(entry: KeyEntry): Uint8Array {
  return encodeCopy({ actorId: entry.actorId, identity: encodeKeyIdentity(entry.name, entry.key) });
}

/** Decodes a key-index entry; throws RecordShapeError for anything else. */
export function decodeKeyEntry(payload: Uint8Array): KeyEntry {
  const wire = decodeWith(keyEntrySchema, payload, "key index entry");
  const [name, key] = parseJsonText(identitySchema, wire.identity, "key index entry identity");
  return { actorId: wire.actorId, name, key };
}

/** CBOR bytes of an alarm entry. */
export function encodeAlarmEntry(entry: AlarmEntry): Uint8Array {
  return encodeCopy(entry);
}

/** Decodes an alarm entry; throws RecordShapeError for anything else. */
export function decodeAlarmEntry(payload: Uint8Array): AlarmEntry {
  return decodeWith(alarmEntrySchema, payload, "alarm entry");
}

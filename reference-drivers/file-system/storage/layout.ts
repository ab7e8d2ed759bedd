/**
 * Where things live under the data directory. No file name is ever built from caller input:
 * actor files are named by a validated UUID, key-index files by the SHA-256 of an injective
 * encoding of [name, key], so ids, names and keys containing `/`, `..`, NUL, any unicode or
 * thousands of characters can neither escape the directory nor collide (KEY-1..KEY-4).
 *
 * Each namespace (`ctx.namespace`, MGR-9) has its own directory, `<dataDir>/namespaces/<sha256-hex
 * of the namespace>/`, laid out as below; a start without a namespace uses `<dataDir>` itself.
 *
 * ```
 * <dataDir>/
 *   LOCK                     pid of the process that owns the directory
 *   actors/<uuid>.actor      actor record (id, name, key, region, createdAt, persisted bytes)
 *   keys/<sha256-hex>.key    key index entry: { actorId, name, key }
 *   alarms/<uuid>.alarm      the actor's pending alarm time (ms since epoch)
 * ```
 */
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import type { ActorKey } from "../../../runtime/driver/index.ts";

/** Actor ids this driver issues: lowercase RFC 4122 version-4 UUIDs from crypto.randomUUID(). */
const ACTOR_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** True when `value` is an id this driver could have issued; anything else is an unknown id. */
export function isActorId(value: unknown): value is string {
  return typeof value === "string" && ACTOR_ID_PATTERN.test(value);
}

/**
 * The injective encoding of a (name, key) pair. JSON.stringify of an array of strings is
 * injective: every string is quoted and escaped (lone surrogates too, since ES2019), and
 * commas and brackets outside strings mark element boundaries, so ["a","b"], ["a/b"], ["a,b"],
 * [] and [""] all encode differently (KEY-2, KEY-3).
 */
export function encodeKeyIdentity(name: string, key: ActorKey): string {
  return JSON.stringify([name, [...key]]);
}

/**
 * The file-name-safe digest of (name, key): 64 lowercase hex characters, SHA-256 of the UTF-8
 * bytes of encodeKeyIdentity. Index entries also store name and key and are compared on read,
 * so even a digest collision could not route one key to another key's actor.
 */
export function keyDigest(name: string, key: ActorKey): string {
  return createHash("sha256").update(encodeKeyIdentity(name, key), "utf8").digest("hex");
}

/** File-name suffixes, one per kind of file. */
export const ACTOR_SUFFIX = ".actor";
export const KEY_SUFFIX = ".key";
export const ALARM_SUFFIX = ".alarm";

/** Absolute paths of everything under one data directory. */
export interface DataLayout {
  /** The data directory, absolute. */
  readonly root: string;
  readonly lockFile: string;
  readonly actorsDir: string;
  readonly keysDir: string;
  readonly alarmsDir: string;
  /** `actors/<id>.actor`, or undefined when `actorId` is not a valid id (never a path). */
  actorFile(actorId: string): string | undefined;
  /** `alarms/<id>.alarm`, or undefined when `actorId` is not a valid id. */
  alarmFile(actorId: string): string | undefined;
  /** `keys/<keyDigest(name, key)>.key`. */
  keyFile(name: string, key: ActorKey): string;
}

/**
 * The directory of `namespace` under `dataDir` (MGR-9: starts with different namespaces on one
 * data directory never share an actor); `dataDir` itself when `namespace` is undefined.
 */
export function namespaceDir(dataDir: string, namespace: string | undefined): string {
  if (namespace === undefined) return resolve(dataDir);
  const digest = createHash("sha256").update(namespace, "utf8").digest("hex");
  return join(resolve(dataDir), "namespaces", digest);
}

/** Builds the layout for `dataDir` (resolved against the working directory). Touches no file. */
export function createLayout(dataDir: string): DataLayout {
  const root = resolve(dataDir);
  const actorsDir = join(root, "actors");
  const keysDir = join(root, "keys");
  const alarmsDir = join(root, "alarms");
  return {
    root,
    lockFile: join(root, "LOCK"),
    actorsDir,
    keysDir,
    alarmsDir,
    actorFile: (actorId) =>
      isActorId(actorId) ? join(actorsDir, actorId + ACTOR_SUFFIX) : undefined,
    alarmFile: (actorId) =>
      isActorId(actorId) ? join(alarmsDir, actorId + ALARM_SUFFIX) : undefined,
    keyFile: (name, key) => join(keysDir, keyDigest(name, key) + KEY_SUFFIX),
  };
}

/**
 * The actor id named by a file in `actors/` or `alarms/`, or undefined for any other file (temp
 * files, strays). Used by the start-up scan.
 */
export function actorIdFromFileName(fileName: string, suffix: string): string | undefined {
  if (!fileName.endsWith(suffix)) return undefined;
  const id = fileName.slice(0, -suffix.length);
  return isActorId(id) ? id : undefined;
}

/**
 * Crash-safe files: every file this driver writes is a checked envelope (magic, format version,
 * payload length, SHA-256 of the payload) replaced atomically (temp file, fsync, rename, fsync of
 * the directory). A reader therefore sees a whole old file or a whole new one, and a file torn or
 * damaged by anything else is detected, never misread (clauses PERSIST-3, PERSIST-5).
 */
import { createHash, randomBytes } from "node:crypto";
import { open, readdir, readFile, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** The four bytes every file starts with: "DCFS". */
export const FILE_MAGIC = Uint8Array.of(0x44, 0x43, 0x46, 0x53);
/** Envelope format version; a file with another version is refused as corrupt. */
export const FILE_FORMAT_VERSION = 1;
/** Envelope header size in bytes: magic (4), version (u16), reserved (u16), length (u32), SHA-256 (32). */
export const HEADER_BYTES = 44;
/** The largest payload one envelope carries, in bytes (the u32 length field). */
export const MAX_PAYLOAD_BYTES = 0xffff_ffff;
/** Suffix of in-flight temporary files; any left at start are debris of a crash. */
export const TEMP_SUFFIX = ".tmp";

/**
 * A file exists but cannot be trusted: truncated, extended, bit-flipped, of another format, or
 * unreadable. `reason` says which check failed. Callers turn it into the catalogue error
 * `persisted_data_corrupt` naming the actor.
 */
export class CorruptFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${reason}`, options);
    this.name = "CorruptFileError";
  }
}

function sha256(bytes: Uint8Array): Buffer {
  return createHash("sha256").update(bytes).digest();
}

/**
 * Wraps `payload` in the checked envelope. Throws a RangeError for a payload over
 * MAX_PAYLOAD_BYTES.
 */
export function encodeEnvelope(payload: Uint8Array): Uint8Array {
  if (payload.byteLength > MAX_PAYLOAD_BYTES) {
    throw new RangeError(`payload of ${payload.byteLength} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
  }
  const out = new Uint8Array(HEADER_BYTES + payload.byteLength);
  const view = new DataView(out.buffer);
  out.set(FILE_MAGIC, 0);
  view.setUint16(4, FILE_FORMAT_VERSION);
  view.setUint16(6, 0);
  view.setUint32(8, payload.byteLength);
  out.set(sha256(payload), 12);
  out.set(payload, HEADER_BYTES);
  return out;
}

/**
 * Checks an envelope and returns its payload (a copy). Throws CorruptFileError (with `path` as
 * the label) when the magic, version, length or digest does not match.
 */
export function decodeEnvelope(bytes: Uint8Array, path: string): Uint8Array {
  if (bytes.byteLength < HEADER_BYTES) {
    throw new CorruptFileError(
      path,
      `truncated header (${bytes.byteLength} of ${HEADER_BYTES} bytes)`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < FILE_MAGIC.length; i++) {
    if (bytes[i] !== FILE_MAGIC[i])
      throw new CorruptFileError(path, "bad magic: not a driver file");
  }
  const version = view.getUint16(4);
  if (version !== FILE_FORMAT_VERSION) {
    throw new CorruptFileError(
      path,
      `unsupported format version ${version} (expected ${FILE_FORMAT_VERSION})`,
    );
  }
  if (view.getUint16(6) !== 0)
    throw new CorruptFileError(path, "reserved header bytes are not zero");
  const length = view.getUint32(8);
  const actual = bytes.byteLength - HEADER_BYTES;
  if (actual !== length) {
    throw new CorruptFileError(path, `payload length ${actual} bytes, header says ${length}`);
  }
  // A plain Uint8Array copy, never a Buffer view: callers keep it past the read buffer.
  const payload = new Uint8Array(bytes.subarray(HEADER_BYTES));
  if (!sha256(payload).equals(bytes.subarray(12, HEADER_BYTES))) {
    throw new CorruptFileError(path, "checksum mismatch (SHA-256 of the payload)");
  }
  return payload;
}

/**
 * fsyncs a directory so a rename or unlink inside it survives power loss. Windows cannot open a
 * directory for syncing; there the rename itself is the best the platform offers.
 */
export async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === "win32") return;
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces the file at `path` with an envelope of `payload`, crash-safely: a unique temp file in
 * the same directory is written in full and fsynced, renamed over `path` (atomic on POSIX and
 * NTFS), then the directory is fsynced. When the promise resolves the new content is durable;
 * until then a reader (or a restart after a crash) sees the previous content or, for a new file,
 * no file. Rejects with the filesystem error (the temp file is removed) on failure.
 */
export async function writeFileAtomic(path: string, payload: Uint8Array): Promise<void> {
  const bytes = encodeEnvelope(payload);
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(8).toString("hex")}${TEMP_SUFFIX}`);
  // "wx": never reuse an existing name, even one left by another writer.
  const handle = await open(temp, "wx", 0o600);
  try {
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => {});
    throw error;
  }
  await syncDirectory(dir);
}

/**
 * Reads and checks the envelope at `path`. Resolves the payload, or `undefined` when no file
 * exists (ENOENT). Throws CorruptFileError when the file exists but is damaged or cannot be read
 * (a permission error, a directory in its place).
 */
export async function readFileChecked(path: string): Promise<Uint8Array | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    const code = (error as NodeJS.ErrnoException).code ?? "unknown error";
    throw new CorruptFileError(path, `unreadable (${code})`, { cause: error });
  }
  return decodeEnvelope(bytes, path);
}

/**
 * Removes `path` durably (unlink, then fsync of its directory). A missing file is not an error.
 */
export async function removeFileDurable(path: string): Promise<void> {
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  await syncDirectory(dirname(path));
}

/**
 * Deletes temp files left in `dir` by writes a crash interrupted; resolves how many were removed.
 * Only safe while no writer is active in `dir` (the driver holds the data-directory lock).
 */
export async function removeStaleTempFiles(dir: string): Promise<number> {
  let removed = 0;
  for (const name of await readdir(dir)) {
    if (name.startsWith(".") && name.endsWith(TEMP_SUFFIX)) {
      await unlink(join(dir, name)).catch(() => {});
      removed++;
    }
  }
  if (removed > 0) await syncDirectory(dir);
  return removed;
}

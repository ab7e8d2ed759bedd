import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import {
  CorruptFileError,
  decodeEnvelope,
  encodeEnvelope,
  HEADER_BYTES,
  readFileChecked,
  removeStaleTempFiles,
  writeFileAtomic,
} from "./atomic-file.ts";

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "fs-atomic-"));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const payload = new TextEncoder().encode("the state of one actor");

function reasonOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CorruptFileError);
    return (error as CorruptFileError).reason;
  }
  throw new Error("expected a CorruptFileError, got none");
}

describe("envelope (PERSIST-3: a torn write is detected, never misread)", () => {
  test("round-trips a payload, the empty one included", () => {
    expect(decodeEnvelope(encodeEnvelope(payload), "x")).toEqual(payload);
    expect(decodeEnvelope(encodeEnvelope(new Uint8Array()), "x")).toEqual(new Uint8Array());
  });

  test("every truncation of a file is detected", () => {
    const bytes = encodeEnvelope(payload);
    for (let length = 0; length < bytes.length; length++) {
      expect(reasonOf(() => decodeEnvelope(bytes.subarray(0, length), "f"))).toMatch(
        /truncated|length/,
      );
    }
  });

  test("every single flipped byte is detected", () => {
    const bytes = encodeEnvelope(payload);
    for (let i = 0; i < bytes.length; i++) {
      const damaged = Uint8Array.from(bytes);
      damaged[i] ^= 0x01;
      expect(() => decodeEnvelope(damaged, "f"), `byte ${i}`).toThrow(CorruptFileError);
    }
  });

  test("an extended file, another format and another version are refused with a reason", () => {
    const bytes = encodeEnvelope(payload);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    expect(reasonOf(() => decodeEnvelope(longer, "f"))).toMatch(/length/);
    expect(
      reasonOf(() => decodeEnvelope(new TextEncoder().encode('{"count":1}'.padEnd(64)), "f")),
    ).toMatch(/magic/);
    const otherVersion = Uint8Array.from(bytes);
    otherVersion[5] = 9;
    expect(reasonOf(() => decodeEnvelope(otherVersion, "f"))).toMatch(/version 9/);
  });
});

describe("writeFileAtomic / readFileChecked", () => {
  test("writes, replaces, and leaves no temp file behind", async () => {
    const dir = await tempDir();
    const path = join(dir, "a.actor");
    await writeFileAtomic(path, payload);
    await writeFileAtomic(path, Uint8Array.of(1, 2, 3));
    expect(await readFileChecked(path)).toEqual(Uint8Array.of(1, 2, 3));
    expect(await readdir(dir)).toEqual(["a.actor"]);
  });

  test("a missing file reads as undefined; a directory in its place is unreadable", async () => {
    const dir = await tempDir();
    expect(await readFileChecked(join(dir, "none"))).toBeUndefined();
    await expect(readFileChecked(dir)).rejects.toMatchObject({
      reason: expect.stringMatching(/unreadable/),
    });
  });

  test("a truncated file on disk is reported corrupt", async () => {
    const dir = await tempDir();
    const path = join(dir, "a.actor");
    await writeFileAtomic(path, payload);
    await truncate(path, HEADER_BYTES + 3);
    await expect(readFileChecked(path)).rejects.toBeInstanceOf(CorruptFileError);
  });

  test("concurrent writers to one path leave one complete version", async () => {
    const dir = await tempDir();
    const path = join(dir, "a.actor");
    const versions = Array.from({ length: 20 }, (_, i) => new Uint8Array(10_000).fill(i));
    await Promise.all(versions.map((v) => writeFileAtomic(path, v)));
    const read = await readFileChecked(path);
    expect(versions.some((v) => Buffer.from(v).equals(Buffer.from(read!)))).toBe(true);
    expect(await readdir(dir)).toEqual(["a.actor"]);
  });

  test("a failed write rejects and leaves the old content", async () => {
    const dir = await tempDir();
    const path = join(dir, "a.actor");
    await writeFileAtomic(path, payload);
    await expect(writeFileAtomic(join(dir, "missing", "b.actor"), payload)).rejects.toMatchObject({
      code: "ENOENT",
    });
    expect(await readFileChecked(path)).toEqual(payload);
  });

  test("temp files a crash left are ignored by readers and removed at start", async () => {
    const dir = await tempDir();
    const path = join(dir, "a.actor");
    await writeFileAtomic(path, payload);
    // What a crash between "write temp" and "rename" leaves: a half-written temp file.
    await writeFile(
      join(dir, ".a.actor.0123456789abcdef.tmp"),
      encodeEnvelope(payload).subarray(0, 10),
    );
    expect(await readFileChecked(path)).toEqual(payload);
    expect(await removeStaleTempFiles(dir)).toBe(1);
    expect(await readdir(dir)).toEqual(["a.actor"]);
    expect(await readFile(path)).toHaveLength(HEADER_BYTES + payload.length);
  });
});

/**
 * Shared pieces of the file-system driver's tests: a throwaway data directory, a file walker,
 * and names and keys chosen to break naive file naming.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { onTestFinished } from "vitest";

/** A fresh directory under the OS temp dir, removed when the current test finishes. */
export async function tempDir(prefix = "fs-driver-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  onTestFinished(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Every file under `dir`, as paths relative to it (forward slashes on POSIX). */
export async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)));
}

/**
 * Name and key pairs chosen to break naive file naming: separators, `..`, NUL, unicode in both
 * normal forms, a lone surrogate, a 10,000-character component (KEY-2, KEY-3, KEY-4).
 */
export const HOSTILE_KEYS: [string, string[]][] = [
  ["counter", ["a", "b"]],
  ["counter", ["a/b"]],
  ["counter", ["a,b"]],
  ["counter", ["b", "a"]],
  ["counter", []],
  ["counter", [""]],
  ["counter", ["", ""]],
  ["counter", [".."]],
  ["counter", ["..", "..", "etc", "passwd"]],
  ["counter", ["../../etc/passwd"]],
  ["counter", ["a\u0000b"]],
  ["counter", ["a\\b"]],
  ["counter", ['a"b']],
  ["counter", ["\u00e9"]],
  ["counter", ["e\u0301"]], // the same glyph, decomposed: must stay a different key
  ["counter", ["\ud83d\ude00"]],
  ["counter", ["\ud83d"]], // a lone surrogate
  ["counter", ["x".repeat(10_000)]],
  ["counter/..", ["a"]],
  ["counter", ["/", "a"]],
  ["count", ["er", "a"]],
  ["counter\u0000", ["a"]],
  ["", ["counter", "a"]],
];

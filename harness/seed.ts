/**
 * The run's seed: one 32-bit unsigned integer from which every generated input of a run
 * (fast-check properties, the crash suite's kill moments) is derived. `--seed <n>` replays a run
 * with the same inputs; the seed is printed and stored in report.json and summary.md.
 *
 * Each test derives its own seed from the run's and its id (`caseSeed`), so what a test generates
 * does not depend on which other tests a filter selected or on the order they ran in.
 */
import { randomInt } from "node:crypto";

/** Largest seed: seeds are 32-bit unsigned integers. */
export const MAX_SEED = 0xffff_ffff;

/** True when `value` is a valid seed (an integer in 0..MAX_SEED). */
export function isSeed(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_SEED;
}

/** The run's seed: `given` when set, else a fresh random one. */
export function runSeed(given?: number): number {
  return given ?? randomInt(0, MAX_SEED);
}

/**
 * The seed of one test: the run's seed mixed with the test id (FNV-1a over the id's UTF-16 code
 * units, then XOR), a 32-bit unsigned integer. The same run seed and id give the same seed.
 */
export function caseSeed(seed: number, id: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash ^ seed) >>> 0;
}

/**
 * Generated inputs for clauses with an input domain (keys, values, headers, paths, sizes):
 * `forAll(t, what, arbitrary, body)` runs `body` on a fixed, small number of inputs drawn by
 * fast-check from the test's seed (`t.seed`), so the same run seed (`--seed`) draws the same
 * inputs. On a failure fast-check shrinks the input to the smallest one that still fails, and
 * the test fails naming it.
 */
import fc from "fast-check";
import type { TestContext } from "./test-context.ts";

export { fc };

/** Inputs per property unless a test says otherwise: fixed, so a run's cost is fixed. */
export const DEFAULT_RUNS = 8;

/** Options of `forAll`. */
export interface ForAllOptions<T> {
  /** Generated inputs to try (default DEFAULT_RUNS). */
  numRuns?: number;
  /**
   * Inputs always tried first, before the generated ones: the known boundaries of the domain
   * (a limit and its neighbours, the empty value, a pair real stacks confuse).
   */
  examples?: readonly T[];
}

/**
 * Runs `body` for `numRuns` inputs from `arbitrary`, seeded by `t.seed`. Rejects with an Error
 * whose message names `what`, the shrunk failing input (fast-check's `stringify`), the test
 * seed, the number of runs and shrinks, and the body's own error; the body's error is the
 * `cause`. Inputs are drawn with `fc.sample`-style determinism: the same seed, the same inputs.
 *
 * @example
 * await forAll(t, "a key round-trips", keyArbitrary, async (key) => {
 *   t.expect(await t.client.counter.getOrCreate(key).whoAmI()).toMatchObject({ key });
 * });
 */
export async function forAll<T>(
  t: TestContext,
  what: string,
  arbitrary: fc.Arbitrary<T>,
  body: (input: T) => Promise<void>,
  options: ForAllOptions<T> = {},
): Promise<void> {
  const numRuns = options.numRuns ?? DEFAULT_RUNS;
  const total = numRuns + (options.examples?.length ?? 0);
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (input) => {
      await body(input);
    }),
    {
      seed: t.seed,
      // fast-check counts examples among the runs: the generated ones come on top.
      numRuns: numRuns + (options.examples?.length ?? 0),
      examples: (options.examples ?? []).map((example) => [example] as [T]),
    },
  );
  if (!details.failed) return;
  const input = details.counterexample ? fc.stringify(details.counterexample[0]) : "(none)";
  const cause = details.errorInstance;
  const reason = cause instanceof Error ? cause.message : String(cause);
  throw new Error(
    `${what}: fails for ${input} (the smallest failing input; run ${details.numRuns} of ${total}, ${details.numShrinks} shrink(s), test seed ${t.seed}; the report's run seed replays it with --seed)\n${reason}`,
    { cause },
  );
}

/**
 * Sizes (bytes) around the limits real stacks cut at: 0 and 1, the WebSocket frame length
 * boundaries (125/126, 65,535/65,536), common buffer and chunk sizes (1,024, 4,096, 8,192,
 * 16,384: TLS records, 65,536: stream high-water marks, 1 MiB) each with their neighbours, and
 * sizes that are no multiple of a power of two. `max` (bytes) caps them.
 */
export function sizeAroundLimits(max: number): fc.Arbitrary<number> {
  return fc.oneof(fc.constantFrom(...limitSizes(max)), fc.integer({ min: 0, max }));
}

/**
 * The sizes `sizeAroundLimits` favours, as a list (for `examples`): each limit with its
 * neighbours, and sizes that are no multiple of a power of two, up to `max` bytes.
 */
export function limitSizes(max: number): number[] {
  const limits = [0, 1, 125, 126, 1024, 4096, 8192, 16_384, 65_535, 65_536, 1_048_576];
  const near = limits.flatMap((n) => [n - 1, n, n + 1]);
  const odd = [3, 1000, 10_007, 65_521, 100_003];
  return [...new Set([...near, ...odd])].filter((n) => n >= 0 && n <= max).sort((a, b) => a - b);
}

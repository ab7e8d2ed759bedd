/**
 * Measurement primitives for `npm run bench`: sequential latency percentiles and concurrent
 * throughput of several paths measured in interleaved rounds, medians of interleaved timings,
 * and bounded waits. Figures are in ms and operations per second.
 *
 * Why interleaved: the bench shares a 2-core machine with whatever else runs, and load drifts
 * over a run. Measuring the baseline and the toolkit in alternating short slices spreads that
 * drift evenly over both, so their ratio stays meaningful even when absolute figures do not.
 */

/** Latency figures of sequential calls, in ms. */
export interface LatencyFigures {
  p50: number;
  p99: number;
  /**
   * Process CPU time (user + system, all threads) per sequential call, in µs. Client and server
   * share the process, so this is the whole cost of a call; unlike wall time it barely moves
   * when other processes compete for the cores.
   */
  cpuUs: number;
  /** Timed calls (warm-up calls excluded). */
  count: number;
}

/** Throughput figures of concurrent calls. */
export interface ThroughputFigures {
  /** Completed calls per second of wall time. */
  opsPerSecond: number;
  /** Calls completed in the timed slices. */
  count: number;
  concurrency: number;
}

/** Latency and throughput of one path. */
export interface PathFigures {
  latency: LatencyFigures;
  throughput: ThroughputFigures;
}

/** A measured path: `op(i)` makes one call (i is a running index, usable as the argument). */
export interface BenchPath {
  name: string;
  op(i: number): Promise<unknown>;
}

/** Options of {@link measureInterleaved}. */
export interface InterleaveOptions {
  /** Sequential calls timed per path, spread over the rounds. */
  sequential: number;
  /** Calls each path keeps in flight during its throughput slices. */
  concurrency: number;
  /** Timed throughput window per path in ms, spread over the rounds. */
  durationMs: number;
  /** Rounds; each gives every path one sequential chunk and one throughput slice. */
  rounds: number;
  /**
   * Wall time the whole measurement may take, in ms, warm-up included. Each path gets an equal
   * share per round (and one for warm-up); a slow or starved path then times fewer sequential
   * calls and shorter slices instead of stretching the run. The figures report the counts
   * actually timed.
   */
  budgetMs: number;
  /** Untimed sequential calls per path before the first round (default 200, within budget). */
  warmupCalls?: number;
}

/**
 * Measures every path in `rounds` interleaved rounds (the order rotates each round so no path
 * always runs first): each round times one chunk of sequential calls (p50/p99 over all chunks)
 * and one slice with `concurrency` calls in flight (calls completed over time spent, over all
 * slices). Resolves the figures by path name.
 */
export async function measureInterleaved(
  paths: readonly BenchPath[],
  options: InterleaveOptions,
): Promise<Map<string, PathFigures>> {
  const state = paths.map((path) => ({
    path,
    samples: [] as number[],
    cpu: { us: 0 },
    count: 0,
    seconds: 0,
  }));
  const share = options.budgetMs / (Math.max(1, paths.length) * (options.rounds + 1));
  const sliceMs = Math.min(options.durationMs / options.rounds, share / 2);
  const chunkMs = share - sliceMs;
  const chunk = Math.ceil(options.sequential / options.rounds);
  let index = 0;
  const next = () => index++;
  for (const { path } of state) {
    await sequentialChunk(path, options.warmupCalls ?? 200, chunkMs, [], { us: 0 }, next);
    await concurrentSlice(path, options.concurrency, sliceMs, next);
  }
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < state.length; k++) {
      const entry = state[(k + round) % state.length];
      await sequentialChunk(entry.path, chunk, chunkMs, entry.samples, entry.cpu, next);
      const slice = await concurrentSlice(entry.path, options.concurrency, sliceMs, next);
      entry.count += slice.count;
      entry.seconds += slice.seconds;
    }
  }
  const figures = new Map<string, PathFigures>();
  for (const { path, samples, cpu, count, seconds } of state) {
    const sorted = Float64Array.from(samples).sort();
    figures.set(path.name, {
      latency: {
        p50: percentile(sorted, 0.5),
        p99: percentile(sorted, 0.99),
        cpuUs: cpu.us / samples.length,
        count: samples.length,
      },
      throughput: { opsPerSecond: count / seconds, count, concurrency: options.concurrency },
    });
  }
  return figures;
}

/**
 * Times up to `count` sequential calls, stopping early once `maxMs` has passed; adds each wall
 * time to `samples` and the process CPU time spent to `cpu.us`.
 */
async function sequentialChunk(
  path: BenchPath,
  count: number,
  maxMs: number,
  samples: number[],
  cpu: { us: number },
  next: () => number,
): Promise<void> {
  const deadline = performance.now() + maxMs;
  const cpuStart = process.cpuUsage();
  try {
    for (let i = 0; i < count; i++) {
      const start = performance.now();
      await path.op(next());
      const end = performance.now();
      samples.push(end - start);
      if (end > deadline) return;
    }
  } finally {
    const spent = process.cpuUsage(cpuStart);
    cpu.us += spent.user + spent.system;
  }
}

/**
 * Keeps `concurrency` calls in flight until `ms` has passed. The slice ends when the last
 * caller's final call completes, so every counted call lies inside the measured time.
 */
async function concurrentSlice(
  path: BenchPath,
  concurrency: number,
  ms: number,
  next: () => number,
): Promise<{ count: number; seconds: number }> {
  let count = 0;
  const start = performance.now();
  const deadline = start + ms;
  const caller = async () => {
    while (performance.now() < deadline) {
      await path.op(next());
      count++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, caller));
  return { count, seconds: (performance.now() - start) / 1000 };
}

/**
 * Runs each of `runs` once per round for up to `rounds` rounds, alternating (the order rotates
 * each round), after one untimed warm-up round; no round starts once `budgetMs` has passed
 * (at least one runs). Resolves the median of each run's values and the rounds completed.
 */
export async function interleavedMedians(
  rounds: number,
  budgetMs: number,
  runs: readonly ((round: number) => Promise<number>)[],
): Promise<{ medians: number[]; rounds: number }> {
  const deadline = performance.now() + budgetMs;
  for (const run of runs) await run(-1);
  const values = runs.map(() => [] as number[]);
  let done = 0;
  while (done < rounds && (done === 0 || performance.now() < deadline)) {
    for (let k = 0; k < runs.length; k++) {
      const which = (k + done) % runs.length;
      values[which].push(await runs[which](done));
    }
    done++;
  }
  const medians = values.map((list) => {
    list.sort((a, b) => a - b);
    return list[Math.floor(list.length / 2)];
  });
  return { medians, rounds: done };
}

/**
 * Resolves `promise`, or rejects with an Error naming `what` when it has not settled within
 * `ms`. The timer never keeps the process alive and is cleared once the promise settles.
 */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not finish within ${Math.round(ms)} ms`)),
      ms,
    );
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `task(i)` for i from 0 to `count - 1`, at most `limit` at once; resolves results in order. */
export async function inBatches<T>(
  count: number,
  limit: number,
  task: (i: number) => Promise<T>,
): Promise<T[]> {
  const results = new Array<T>(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      results[i] = await task(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  return results;
}

/** The nearest-rank percentile `q` (0..1) of ascending `sorted`; NaN when empty. */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index];
}

/**
 * The bench's measurement primitives: interleaving, counts, percentiles, concurrency bounds,
 * medians and bounded waits. No assertion depends on how fast this machine is.
 */
import { describe, expect, test } from "vitest";
import {
  type BenchPath,
  inBatches,
  interleavedMedians,
  measureInterleaved,
  within,
} from "../../harness/bench/measure.ts";

/** A path that records the order of its calls and the peak number in flight. */
function tracedPath(name: string, log: string[]) {
  let inFlight = 0;
  const traced = {
    peak: 0,
    path: {
      name,
      async op() {
        inFlight++;
        traced.peak = Math.max(traced.peak, inFlight);
        log.push(name);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
      },
    } satisfies BenchPath,
  };
  return traced;
}

describe("measureInterleaved", () => {
  test("times the sequential calls of every path and keeps `concurrency` in flight", async () => {
    const log: string[] = [];
    const a = tracedPath("a", log);
    const b = tracedPath("b", log);
    const figures = await measureInterleaved([a.path, b.path], {
      sequential: 40,
      concurrency: 6,
      durationMs: 40,
      rounds: 2,
      budgetMs: 10_000,
      warmupCalls: 3,
    });
    for (const name of ["a", "b"]) {
      const f = figures.get(name)!;
      expect(f.latency.count, `sequential calls timed for ${name}`).toBe(40);
      expect(f.latency.p99).toBeGreaterThanOrEqual(f.latency.p50);
      expect(f.latency.cpuUs, `CPU per call of ${name}`).toBeGreaterThan(0);
      expect(f.throughput.concurrency).toBe(6);
      expect(f.throughput.count).toBeGreaterThan(0);
      expect(f.throughput.opsPerSecond).toBeGreaterThan(0);
    }
    expect(a.peak).toBe(6);
    expect(b.peak).toBe(6);
    // Interleaved: after the warm-ups, a's and b's calls alternate in blocks, b first in round 2.
    const blocks = log.filter((name, i) => i === 0 || log[i - 1] !== name);
    expect(blocks.slice(0, 5)).toEqual(["a", "b", "a", "b", "a"]);
  });

  test("a path slower than its budget share times fewer calls and says how many", async () => {
    const slow: BenchPath = { name: "slow", op: () => new Promise((r) => setTimeout(r, 5)) };
    const figures = await measureInterleaved([slow], {
      sequential: 10_000,
      concurrency: 2,
      durationMs: 100,
      rounds: 1,
      budgetMs: 200,
      warmupCalls: 1,
    });
    const count = figures.get("slow")!.latency.count;
    expect(count).toBeGreaterThan(0);
    expect(count).toBeLessThan(10_000);
  });
});

describe("interleavedMedians", () => {
  test("alternates the runs, rotates the order and returns each run's median", async () => {
    const order: string[] = [];
    const values = { a: [9, 1, 5], b: [30, 10, 20] };
    const run = (name: "a" | "b") => async (round: number) => {
      order.push(`${name}${round}`);
      return round < 0 ? 0 : values[name][round];
    };
    const result = await interleavedMedians(3, 60_000, [run("a"), run("b")]);
    expect(result).toEqual({ medians: [5, 20], rounds: 3 });
    expect(order).toEqual(["a-1", "b-1", "a0", "b0", "b1", "a1", "a2", "b2"]);
  });

  test("stops starting rounds once the budget is spent, after at least one", async () => {
    const result = await interleavedMedians(50, 0, [async () => 1]);
    expect(result.rounds).toBe(1);
  });
});

describe("inBatches", () => {
  test("runs every index once, within the limit, and keeps result order", async () => {
    let inFlight = 0;
    let peak = 0;
    const results = await inBatches(20, 3, async (i) => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return i * 2;
    });
    expect(peak).toBe(3);
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
  });
});

describe("within", () => {
  test("resolves the promise's value when it settles in time", async () => {
    await expect(within(Promise.resolve(42), 1_000, "answer")).resolves.toBe(42);
  });

  test("rejects naming the step when the promise does not settle in time", async () => {
    await expect(within(new Promise(() => {}), 5, "opening 1000 sockets")).rejects.toThrow(
      "opening 1000 sockets did not finish within 5 ms",
    );
  });
});

/**
 * The bench's table logic: ratios, verdicts against ratio targets, and the printed table.
 */
import { describe, expect, test } from "vitest";
import {
  type BenchRow,
  formatTable,
  missedRows,
  ratioOf,
  verdictOf,
} from "../../harness/bench/table.ts";

const throughput = (value: number, baseline: number): BenchRow => ({
  scenario: "action over WebSocket (cbor)",
  figure: "throughput (50 in flight)",
  unit: "ops/s",
  value,
  baseline: { label: "ws echo", value: baseline },
  target: { min: 0.5 },
});

describe("ratios and verdicts", () => {
  test("the ratio is the toolkit figure over the baseline figure", () => {
    expect(ratioOf(throughput(3_000, 12_000))).toBe(0.25);
  });

  test("a row without a baseline has no ratio and no verdict", () => {
    const row: BenchRow = { scenario: "s", figure: "f", unit: "ms", value: 1, target: { max: 3 } };
    expect(ratioOf(row)).toBeUndefined();
    expect(verdictOf(row)).toBe("");
  });

  test("a minimum ratio is met at the bound and missed below it", () => {
    expect(verdictOf(throughput(6_000, 12_000))).toBe("met");
    expect(verdictOf(throughput(5_999, 12_000))).toBe("MISSED");
  });

  test("a maximum ratio is met at the bound and missed above it", () => {
    const time = (value: number): BenchRow => ({
      scenario: "broadcast",
      figure: "last arrival",
      unit: "ms",
      value,
      baseline: { label: "ws bcast", value: 10 },
      target: { max: 3 },
    });
    expect(verdictOf(time(30))).toBe("met");
    expect(verdictOf(time(30.5))).toBe("MISSED");
    expect(missedRows([time(10), time(31), throughput(1, 10)]).map((r) => r.value)).toEqual([
      31, 1,
    ]);
  });
});

describe("formatTable", () => {
  test("prints a header, a rule and one aligned line per row with value, baseline and ratio", () => {
    const table = formatTable([
      throughput(3_000, 12_000),
      { scenario: "HTTP action (cbor)", figure: "p50", unit: "ms", value: 0.51234 },
    ]);
    const lines = table.split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^scenario\s+figure\s+toolkit\s+baseline\s+ratio\s+target\s+result$/);
    expect(lines[2]).toContain("3,000 ops/s");
    expect(lines[2]).toContain("12,000 ops/s ws echo");
    expect(lines[2]).toContain("0.25x");
    expect(lines[2]).toContain(">= 0.50x");
    expect(lines[2]).toMatch(/MISSED$/);
    expect(lines[3]).toContain("0.512 ms");
    // Columns line up: every column starts at the same offset on every line.
    const start = lines[0].indexOf("figure");
    expect(lines[2].slice(start).startsWith("throughput")).toBe(true);
    expect(lines[3].slice(start).startsWith("p50")).toBe(true);
  });
});

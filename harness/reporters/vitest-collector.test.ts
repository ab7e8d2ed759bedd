import { describe, expect, test } from "vitest";
import type { TestCase } from "vitest/node";
import { Capture } from "../../tests/support/capture.ts";
import type { CaseMeta } from "../run-case.ts";
import { VitestCollector } from "./vitest-collector.ts";

const cell = { client: "http", transport: "websocket", encoding: "cbor" } as const;

function fakeCase(id: string, result: object, meta: Partial<CaseMeta> = {}): TestCase {
  const full: CaseMeta = {
    id,
    suite: "s",
    title: "t",
    clause: "MGR-1",
    clauseLevel: "MUST",
    cell,
    axes: [],
    planned: "run",
    ...meta,
  };
  return {
    id: `vitest-${id}`,
    meta: () => ({ driverCert: full }),
    result: () => result,
    diagnostic: () => ({ duration: 12.4 }),
  } as unknown as TestCase;
}

describe("VitestCollector", () => {
  test("maps vitest results to statuses and prints one line per test", () => {
    const progress = new Capture();
    const collector = new VitestCollector({ progress, total: 4, bail: false, root: "/" });
    collector.onTestCaseResult(fakeCase("s/a", { state: "passed" }));
    collector.onTestCaseResult(
      fakeCase("s/b", { state: "failed", errors: [{ message: "boom", code: "actor_not_found" }] }),
    );
    collector.onTestCaseResult(
      fakeCase(
        "s/c",
        { state: "failed", errors: [{ message: "driver did not answer x within 5 ms" }] },
        { timedOut: true },
      ),
    );
    collector.onTestCaseResult(
      fakeCase(
        "s/d",
        { state: "skipped", note: "x" },
        { planned: "unsupported", reason: "unsupported: sse" },
      ),
    );
    expect([...collector.outcomes.values()]).toEqual([
      { id: "s/a", status: "pass", durationMs: 12 },
      {
        id: "s/b",
        status: "fail",
        durationMs: 12,
        error: { code: "actor_not_found", message: "boom" },
      },
      {
        id: "s/c",
        status: "timeout",
        durationMs: 12,
        error: { code: "harness_timeout", message: "driver did not answer x within 5 ms" },
      },
      { id: "s/d", status: "unsupported", durationMs: 12, reason: "unsupported: sse" },
    ]);
    expect(progress.text.split("\n")).toEqual([
      "[1/4] pass        s/a (12 ms)",
      "[2/4] FAIL        s/b: boom",
      "[3/4] TIMEOUT     s/c: driver did not answer x within 5 ms",
      "[4/4] unsupported s/d: unsupported: sse",
      "",
    ]);
  });

  test("after --bail, cancelled tests are skipped once, with the bail as the reason", () => {
    const progress = new Capture();
    const collector = new VitestCollector({ progress, total: 1, bail: true, root: "/" });
    const cancelled = fakeCase("s/a", {
      state: "skipped",
      note: "The test run was aborted by the user.",
    });
    collector.onTestCaseResult(cancelled);
    collector.onTestCaseResult(cancelled);
    expect(collector.outcomes.get("s/a")?.reason).toBe(
      "not run: the run stopped after a failure (--bail)",
    );
    expect(progress.text.trim().split("\n")).toHaveLength(1);
  });

  test("names the test that was running when an unhandled error surfaced", () => {
    const collector = new VitestCollector({ total: 0, bail: false, root: "/" });
    collector.onTestRunEnd(
      [],
      [
        {
          name: "Error",
          message: "late",
          stack: "Error: late\n    at f (x.ts:1:1)",
          VITEST_TEST_NAME: "s/a [client=http]: a title",
        },
      ],
    );
    expect(collector.unhandledErrors).toEqual([
      "Error: late (while s/a [client=http] ran)\n    at f (x.ts:1:1)",
    ]);
  });
});

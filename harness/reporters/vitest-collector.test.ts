import { describe, expect, test } from "vitest";
import type { TestCase } from "vitest/node";
import { Capture } from "../../tests/support/capture.ts";
import { bailRaised, createBailFlag, NOT_RUN_AFTER_BAIL } from "../run/bail-signal.ts";
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
    const collector = new VitestCollector({ progress, total: 4, root: "/" });
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

  test("--bail: a failure raises the flag, is printed once, and is never replaced by a skip", async () => {
    const flag = await createBailFlag();
    try {
      const progress = new Capture();
      const collector = new VitestCollector({
        progress,
        total: 2,
        bailFile: flag.path,
        root: "/",
      });
      expect(bailRaised(flag.path)).toBe(false);
      collector.onTestCaseResult(fakeCase("s/a", { state: "failed", errors: [{ message: "no" }] }));
      expect(bailRaised(flag.path)).toBe(true);
      collector.onTestCaseResult(fakeCase("s/a", { state: "skipped", note: "aborted" }));
      collector.onTestCaseResult(fakeCase("s/b", { state: "skipped", note: NOT_RUN_AFTER_BAIL }));
      expect(collector.outcomes.get("s/a")).toMatchObject({ status: "fail" });
      expect(collector.outcomes.get("s/b")).toMatchObject({
        status: "skipped",
        reason: NOT_RUN_AFTER_BAIL,
      });
      expect(progress.text.trim().split("\n")).toEqual([
        "[1/2] FAIL        s/a: no",
        `[2/2] skipped     s/b: ${NOT_RUN_AFTER_BAIL}`,
      ]);
    } finally {
      await flag.dispose();
    }
  });

  test("names the test that was running when an unhandled error surfaced", () => {
    const collector = new VitestCollector({ total: 0, root: "/" });
    collector.onTestRunEnd(
      [],
      [
        {
          name: "Error",
          message: "late",
          stack: "Error: late\n    at f (x.ts:1:1)",
          VITEST_TEST_NAME: "s/a [client=http] (MGR-1): a title: with a colon",
        },
      ],
    );
    expect(collector.unhandledErrors).toEqual([
      "Error: late (while s/a [client=http] ran)\n    at f (x.ts:1:1)",
    ]);
  });
});

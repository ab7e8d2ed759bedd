import { describe, expect, test } from "vitest";
import { PendingWork } from "./connection-pending.ts";
import { ClientActorError } from "./errors.ts";

const timedOut = (label: string) => () => new ClientActorError("action_reply_timed_out", label);

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    return `resolved ${String(await promise)}`;
  } catch (error) {
    return `rejected ${(error as Error).message}`;
  }
}

describe("action time bounds share one timer", () => {
  test("each action times out at its own bound, a shorter later one first", async () => {
    const work = new PendingWork();
    const long = work.createAction("a", [], 400, timedOut("long"));
    const short = work.createAction("b", [], 30, timedOut("short"));
    work.sent(long.pending);
    work.sent(short.pending);
    const start = performance.now();
    expect(await outcome(short.promise)).toBe("rejected short");
    expect(performance.now() - start).toBeLessThan(300);
    expect(await outcome(long.promise)).toBe("rejected long");
    expect(performance.now() - start).toBeGreaterThanOrEqual(390);
  });

  test("a reply in time settles the action and its deadline no longer fires", async () => {
    const work = new PendingWork();
    const first = work.createAction("a", [], 40, timedOut("first"));
    const second = work.createAction("b", [], 60, timedOut("second"));
    work.sent(first.pending);
    work.sent(second.pending);
    work.settle(first.pending.id, { output: 1 });
    expect(await outcome(first.promise)).toBe("resolved 1");
    expect(await outcome(second.promise)).toBe("rejected second");
    // A late reply to a timed-out action is ignored.
    work.settle(second.pending.id, { output: 2 });
  });

  test("once nothing is pending no timer is left to hold the process", async () => {
    const work = new PendingWork();
    const before = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    const calls = Array.from({ length: 100 }, (_, i) =>
      work.createAction("a", [i], 60_000, timedOut("x")),
    );
    for (const { pending } of calls) work.sent(pending);
    for (const { pending } of calls) work.settle(pending.id, { output: pending.id });
    await Promise.all(calls.map((call) => call.promise));
    const after = process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
    expect(after).toBeLessThanOrEqual(before);
  });
});

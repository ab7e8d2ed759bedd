/**
 * Schedule suite: `c.schedule.after` and `c.schedule.at` run the named action with its
 * arguments at or after the due time, several events run once each in time order, and a time
 * already past runs promptly (clauses SCHED-1..SCHED-3; capability `schedule`). Alarms have no
 * event to await, so these tests poll the actor's history within a deadline.
 */
import type { TaskRun } from "../fixtures/core/scheduled.ts";
import { defineSuite } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { BULK_MS, type CoreClient, clientOf, pollUntil, show } from "./core-support.ts";

/** Offset of the first event in the ordering test, in ms: room for scheduling all three first. */
const ORDER_BASE_MS = 400;

/** The history of `scheduled[key]` once it holds at least `n` runs (at most `ms`). */
function runsOf(
  t: TestContext,
  c: CoreClient,
  key: string[],
  n: number,
  ms = 3000,
): Promise<TaskRun[]> {
  return pollUntil(
    t,
    `${n} scheduled run(s) of scheduled${show(key)}`,
    () => c.scheduled.get(key).getHistory() as Promise<TaskRun[]>,
    (history) => history.length >= n,
    ms,
  );
}

/**
 * Schedules a sentinel 100 ms out and returns the history once it ran: any duplicate of an
 * earlier event due before it would be in the history by then.
 */
async function settledHistory(t: TestContext, c: CoreClient, key: string[]): Promise<TaskRun[]> {
  await t.step("schedule the sentinel", c.scheduled.get(key).scheduleAfter("sentinel", 100, null));
  return pollUntil(
    t,
    `the sentinel run of scheduled${show(key)}`,
    () => c.scheduled.get(key).getHistory() as Promise<TaskRun[]>,
    (history) => history.some((r) => r.id === "sentinel"),
  );
}

/** Asserts a run happened at or after its due time (the actor's clock). */
function expectOnTime(t: TestContext, run: TaskRun): void {
  t.expect(
    run.ranAt,
    `run ${run.id} must not fire before its due time: ${show(run)}`,
  ).toBeGreaterThanOrEqual(run.scheduledFor);
}

export const scheduleSuite = defineSuite("schedule", (s) => {
  s.test({
    id: "after-runs-the-action",
    title: "schedule.after runs the action with its arguments at or after the delay",
    clause: "SCHED-1",
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("after");
      const payload = { n: 1, list: ["a", { deep: true }], text: "ünïcødé" };
      const dueAt = await t.step(
        "scheduleAfter(100)",
        c.scheduled.getOrCreate(key).scheduleAfter("after-1", 100, payload),
      );
      await runsOf(t, c, key, 1);
      const history = await settledHistory(t, c, key);
      t.expect(
        history.map((r) => r.id),
        "the event ran exactly once",
      ).toEqual(["after-1", "sentinel"]);
      t.expect(history[0].scheduledFor, "the run carries the due time it was scheduled with").toBe(
        dueAt,
      );
      t.expect(history[0].payload, "the arguments arrive exactly").toEqual(payload);
      expectOnTime(t, history[0]);
    },
  });

  s.test({
    id: "at-runs-the-action",
    title: "schedule.at runs the action at or after the timestamp",
    clause: "SCHED-2",
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("at");
      const timestamp = Date.now() + 120;
      await t.step(
        "scheduleAt(now + 120)",
        c.scheduled.getOrCreate(key).scheduleAt("at-1", timestamp, [1, 2, 3]),
      );
      const history = await runsOf(t, c, key, 1);
      t.expect(history.map((r) => [r.id, r.payload])).toEqual([["at-1", [1, 2, 3]]]);
      expectOnTime(t, history[0]);
    },
  });

  s.test({
    id: "at-in-the-past",
    title: "schedule.at with a time already past runs promptly, once",
    clause: "SCHED-2",
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("past");
      const h = c.scheduled.getOrCreate(key);
      await t.step("scheduleAt(now - 1000)", h.scheduleAt("past-1", Date.now() - 1000, null));
      // A sentinel due after it proves the alarm machinery moved on without repeating the first.
      await t.step("sentinel after(150)", h.scheduleAfter("sentinel", 150, null));
      const history = await runsOf(t, c, key, 2);
      t.expect(
        history.map((r) => r.id),
        "the past event ran once, before the sentinel",
      ).toEqual(["past-1", "sentinel"]);
    },
  });

  s.test({
    id: "several-in-time-order",
    title: "several scheduled events run once each, in due-time order, not in scheduling order",
    clause: "SCHED-3",
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("order");
      const h = c.scheduled.getOrCreate(key);
      await t.step("warm the actor", h.getHistory());
      // Scheduled out of order on purpose, all in one action: third, first, second.
      const batch = await t.step(
        "scheduleBatch",
        h.scheduleBatch([
          { id: "third", offsetMs: ORDER_BASE_MS + 200 },
          { id: "first", offsetMs: ORDER_BASE_MS },
          { id: "second", offsetMs: ORDER_BASE_MS + 100 },
        ]),
      );
      t.expect(
        batch.doneAt,
        `precondition: all three were scheduled before the first came due (took ${batch.doneAt - batch.base} ms)`,
      ).toBeLessThan(batch.base + ORDER_BASE_MS);
      await runsOf(t, c, key, 3);
      const history = await settledHistory(t, c, key);
      t.expect(
        history.map((r) => r.id),
        "each once, in due-time order",
      ).toEqual(["first", "second", "third", "sentinel"]);
      for (const run of history) expectOnTime(t, run);
    },
  });

  s.test({
    id: "many-events-one-actor",
    title: "twenty events scheduled at once on one actor each run exactly once",
    clause: "SCHED-3",
    timeoutMs: 30_000,
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("many");
      const h = c.scheduled.getOrCreate(key);
      const base = Date.now() + 100;
      await t.step(
        "schedule 20 events",
        Promise.all(
          Array.from({ length: 20 }, (_, i) => h.scheduleAt(`e${i}`, base + (i % 5) * 20, i)),
        ),
        BULK_MS,
      );
      await runsOf(t, c, key, 20);
      const history = (await settledHistory(t, c, key)).filter((r) => r.id !== "sentinel");
      const ids = history.map((r) => r.id);
      t.expect([...ids].sort(), "every event ran exactly once").toEqual(
        Array.from({ length: 20 }, (_, i) => `e${i}`).sort(),
      );
      // Due times overlap with scheduling here, so order is not asserted (see several-in-time-order).
      for (const run of history) expectOnTime(t, run);
    },
  });
});

/**
 * Schedule suite: `c.schedule.after` and `c.schedule.at` run the named action with its
 * arguments at or after the due time, several events run once each in time order, and a time
 * already past runs promptly (clauses SCHED-1..SCHED-3), and an alarm is at most two seconds late (SCHED-5; capability
 * `schedule`). Alarms have no
 * event to await, so these tests poll the actor's history within a deadline.
 */
import type { TaskRun } from "../fixtures/core/scheduled.ts";
import { defineSuite } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { BULK_MS, type CoreClient, clientOf, pollUntil, show } from "./core-support.ts";

/** How late an alarm may fire while the driver runs, in ms (SCHED-5). */
const MAX_LATENESS_MS = 2_000;

/**
 * Watches this process's own timers while `body` runs: the largest delay (ms) beyond its due
 * time of a 50 ms ticker. On a loaded machine every timer is late by this much, the driver's too,
 * so a lateness bound adds it instead of failing the driver for the machine's load.
 */
async function withTimerLag<T>(body: () => Promise<T>): Promise<{ value: T; lagMs: number }> {
  let lagMs = 0;
  let expected = performance.now() + 50;
  const ticker = setInterval(() => {
    const now = performance.now();
    lagMs = Math.max(lagMs, now - expected);
    expected = now + 50;
  }, 50);
  try {
    return { value: await body(), lagMs };
  } finally {
    clearInterval(ticker);
  }
}

/**
 * Offset of the first event in the ordering test, in ms: room for scheduling all three first
 * (three durable writes, each flushed before `schedule.at` resolves: 508 ms seen on a loaded
 * machine, where 400 ms failed the precondition with nothing wrong in the driver).
 */
const ORDER_BASE_MS = 1_500;

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
    id: "earlier-event-after-a-later-one",
    title: "an event scheduled after a later one runs at its own time, not the later one's",
    clause: "SCHED-3",
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("earlier");
      const h = c.scheduled.getOrCreate(key);
      // The alarm is armed for the later event first; the earlier one must move it forward.
      await t.step("scheduleAfter(60 s, later)", h.scheduleAfter("later", 60_000, null));
      await t.step("scheduleAfter(100, earlier)", h.scheduleAfter("earlier", 100, null));
      const history = await runsOf(t, c, key, 1);
      t.expect(
        history.map((r) => r.id),
        "the earlier event ran within 3 s; the later one not yet",
      ).toEqual(["earlier"]);
      expectOnTime(t, history[0]);
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

  s.test({
    id: "alarms-fire-within-a-second",
    title: "alarms on two actors, by after and by at, fire at most 2,000 ms after their time",
    clause: "SCHED-5",
    run: async (t) => {
      const c = clientOf(t);
      const keys = [t.uniqueKey("late-a"), t.uniqueKey("late-b")];
      await t.step(
        "schedule two events on each of two actors",
        Promise.all(
          keys.flatMap((key) => [
            c.scheduled.getOrCreate(key).scheduleAfter("after", 150, null),
            c.scheduled.getOrCreate(key).scheduleAt("at", Date.now() + 300, null),
          ]),
        ),
      );
      const { value: runs, lagMs } = await withTimerLag(() =>
        Promise.all(keys.map((key) => runsOf(t, c, key, 2, 2_500 + MAX_LATENESS_MS))),
      );
      for (const [i, key] of keys.entries()) {
        for (const run of runs[i]) {
          const late = run.ranAt - run.scheduledFor;
          t.expect(
            late,
            `run ${run.id} of scheduled${show(key)} fired ${late} ms after its time (this process's own timers were up to ${Math.round(lagMs)} ms late meanwhile)`,
          ).toBeLessThanOrEqual(MAX_LATENESS_MS + lagMs);
          expectOnTime(t, run);
        }
      }
    },
  });

  s.test({
    id: "alarms-of-two-actors-both-run",
    title: "alarms set by two actors of one name, one after the other, both run",
    clause: "SCHED-1",
    run: async (t) => {
      const c = clientOf(t);
      const keys = [t.uniqueKey("two-a"), t.uniqueKey("two-b")];
      await t.step(
        "schedule on the first actor",
        c.scheduled.getOrCreate(keys[0]).scheduleAfter("first", 200, 1),
      );
      await t.step(
        "schedule on the second actor",
        c.scheduled.getOrCreate(keys[1]).scheduleAfter("second", 100, 2),
      );
      for (const [i, key] of keys.entries()) {
        const runs = await runsOf(t, c, key, 1);
        t.expect(
          runs.map((r) => [r.id, r.payload]),
          `the alarm of scheduled${show(key)}`,
        ).toEqual([[i === 0 ? "first" : "second", i + 1]]);
      }
    },
  });
});

import { describe, expect, onTestFinished, test } from "vitest";
import { actor } from "./definition.ts";
import { createTestActor, statelessRequest, type TestActor } from "./test-helpers.ts";

const scheduled = actor({
  state: { ran: [] as string[] },
  actions: {
    at: (c, ts: number, label: string) => c.schedule.at(ts, "record", label),
    after: (c, ms: number, label: string) => c.schedule.after(ms, "record", label),
    bad: (c) => c.schedule.after(1, "nope"),
    badArgs: (c) => c.schedule.after(1, "record", () => 1),
    record: (c, label: string) => {
      c.state.ran.push(label);
      if (label === "boom") throw new Error("scheduled failure");
    },
    ran: (c) => c.state.ran,
  },
});

async function start(): Promise<TestActor> {
  const t = await createTestActor(scheduled);
  onTestFinished(() => t.stop());
  return t;
}

const call = (t: TestActor, name: string, ...args: unknown[]) =>
  t.instance.runStatelessAction(name, args, statelessRequest());

describe("schedule", () => {
  test("events are persisted sorted by time (ties in call order) before at/after resolve, and the alarm is armed", async () => {
    const t = await start();
    const now = Date.now();
    await call(t, "at", now + 5000, "c");
    await call(t, "at", now + 1000, "a");
    await call(t, "at", now + 5000, "d");
    await call(t, "at", now + 3000, "b");
    const events = t.driver.blob(t.actorId).schedule;
    expect(events.map((e) => [e.action, e.args[0]])).toEqual([
      ["record", "a"],
      ["record", "b"],
      ["record", "c"],
      ["record", "d"],
    ]);
    expect(events.every((e) => typeof e.id === "string" && e.id.length > 0)).toBe(true);
    expect(t.driver.alarms.at(-1)).toEqual({ actorId: t.actorId, timestampMs: now + 1000 });
  });

  test("onAlarm runs every due event once, in order, keeps future ones and re-arms (SCHED-1..3)", async () => {
    const t = await start();
    const now = Date.now();
    await call(t, "at", now - 10, "second");
    await call(t, "at", now - 20, "first");
    await call(t, "at", now + 60_000, "future");
    await t.instance.onAlarm();
    await t.instance.onAlarm();
    expect(await call(t, "ran")).toEqual(["first", "second"]);
    const blob = t.driver.blob(t.actorId);
    expect(blob.state).toEqual({ ran: ["first", "second"] });
    expect(blob.schedule.map((e) => e.args[0])).toEqual(["future"]);
    expect(t.driver.alarms.at(-1)!.timestampMs).toBe(now + 60_000);
  });

  test("an event that throws is logged and does not stop the events after it", async () => {
    const t = await start();
    const now = Date.now();
    await call(t, "at", now - 2, "boom");
    await call(t, "at", now - 1, "after-boom");
    await t.instance.onAlarm();
    expect(await call(t, "ran")).toEqual(["boom", "after-boom"]);
    expect(
      t.logs.some((l) => l.level === "error" && /scheduled action record threw/.test(l.message)),
    ).toBe(true);
  });

  test("events survive a restart: the new instance arms the alarm and runs a missed event once (SCHED-4)", async () => {
    const t = await start();
    // Already due when the actor stops: only the restarted instance can run it.
    await call(t, "at", Date.now() - 1, "missed");
    await t.instance.stop();
    const alarmsBefore = t.driver.alarms.length;
    const again = await t.restart();
    expect(t.driver.alarms.length).toBe(alarmsBefore + 1);
    await again.onAlarm();
    await again.onAlarm();
    expect(await again.runStatelessAction("ran", [], statelessRequest())).toEqual(["missed"]);
    expect(t.driver.blob(t.actorId).schedule).toEqual([]);
  });

  test("scheduling an unknown action or an argument that cannot be persisted fails at once", async () => {
    const t = await start();
    await expect(call(t, "bad")).rejects.toMatchObject({ code: "action_not_found" });
    await expect(call(t, "badArgs")).rejects.toMatchObject({ code: "serialization_error" });
    expect(t.driver.blob(t.actorId).schedule).toEqual([]);
  });
});

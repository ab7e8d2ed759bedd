/**
 * Restart suite (capability `durable`): after `t.restart()` the same actor ids answer with
 * their names, keys and state; values of every kind come back exactly; scheduled events fire
 * after the restart without the actor being called, once; an event that came due while the
 * driver was down fires once after it (clauses RESTART-1, PERSIST-3, PERSIST-4, SCHED-4).
 */

import type { TaskRun } from "../fixtures/core/scheduled.ts";
import { VALUE_SAMPLE_NAMES } from "../fixtures/core/value-samples.ts";
import { defineSuite } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { clientOf, expectCode, pollUntil, restartDown, show } from "./core-support.ts";

/** Restarts can take a while on slow disks; every test here gets this budget (ms). */
const RESTART_TEST_MS = 30_000;

/** The runs `scheduleWitness[key]` has recorded, once it holds at least `n` (at most `ms`). */
function witnessed(t: TestContext, key: string[], n: number, ms = 5000): Promise<TaskRun[]> {
  return pollUntil(
    t,
    `${n} reported run(s) at scheduleWitness${show(key)}`,
    () => clientOf(t).scheduleWitness.getOrCreate(key).getRuns() as Promise<TaskRun[]>,
    (runs) => runs.length >= n,
    ms,
  );
}

export const restartSuite = defineSuite("restart", (s) => {
  s.test({
    id: "ids-keys-state-survive",
    title: "after a restart the same actor ids answer, with their names, keys and state",
    clause: "RESTART-1",
    requires: ["durable"],
    timeoutMs: RESTART_TEST_MS,
    run: async (t) => {
      const key = [t.uniqueKey("durable")[0], "ключ", "", "a/b"];
      const before = {
        counter: await t.step("counter +5", t.client.counter.getOrCreate(key).increment(5)),
        twin: await t.step("twinCounter +7", t.client.twinCounter.getOrCreate(key).increment(7)),
        empty: await t.step("counter[] +1", t.client.counter.getOrCreate([]).increment(1)),
      };
      t.expect(before).toEqual({ counter: 5, twin: 7, empty: 1 });
      const ids = {
        counter: await t.step("resolve counter", t.client.counter.get(key).resolve()),
        twin: await t.step("resolve twin", t.client.twinCounter.get(key).resolve()),
        empty: await t.step("resolve []", t.client.counter.get([]).resolve()),
      };
      await t.restart();
      const c = t.client;
      t.expect(
        await t.step("counter by id", c.counter.getForId(ids.counter).getCount()),
        "state by id",
      ).toBe(5);
      t.expect(await t.step("twin by id", c.twinCounter.getForId(ids.twin).getCount())).toBe(7);
      t.expect(await t.step("[] by id", c.counter.getForId(ids.empty).getCount())).toBe(1);
      t.expect(
        await t.step("counter by key", c.counter.getOrCreate(key).resolve()),
        "the key names the same id",
      ).toBe(ids.counter);
      t.expect(await t.step("twin by key", c.twinCounter.get(key).resolve())).toBe(ids.twin);
      t.expect(await t.step("[] by key", c.counter.get([]).resolve())).toBe(ids.empty);
      const found = await t.step("manager.getForId", t.manager.getForId({ actorId: ids.counter }));
      t.expect(
        found && { name: found.name, key: [...found.key] },
        "the driver kept name and key",
      ).toEqual({ name: "counter", key });
      await expectCode(
        t,
        "create on a key taken before the restart",
        c.counter.create(key),
        "actor_already_exists",
      );
      t.expect(
        await t.step("counter +1", c.counter.get(key).increment(1)),
        "the actor keeps working",
      ).toBe(6);
    },
  });

  s.test({
    id: "state-survives-two-restarts",
    title: "writes made between two restarts survive both",
    clause: "PERSIST-3",
    requires: ["durable"],
    timeoutMs: RESTART_TEST_MS,
    run: async (t) => {
      const key = t.uniqueKey("twice");
      await t.step("+1", t.client.counter.getOrCreate(key).increment(1));
      await t.restart();
      t.expect(await t.step("+2 after first restart", t.client.counter.get(key).increment(2))).toBe(
        3,
      );
      await t.restart();
      t.expect(
        await t.step("read after second restart", t.client.counter.get(key).getCount()),
      ).toBe(3);
    },
  });

  s.test({
    id: "values-survive",
    title: "every sample value held in state comes back exactly after a restart",
    clause: "PERSIST-4",
    requires: ["durable"],
    timeoutMs: RESTART_TEST_MS,
    run: async (t) => {
      const base = t.uniqueKey("values")[0];
      for (const name of VALUE_SAMPLE_NAMES) {
        await t.step(
          `storeSample(${name})`,
          t.client.valuesActor.getOrCreate([base, name]).storeSample(name),
        );
      }
      await t.restart();
      const problems: string[] = [];
      for (const name of VALUE_SAMPLE_NAMES) {
        const check = await t.step(
          `checkStored(${name})`,
          t.client.valuesActor.get([base, name]).checkStored(),
        );
        if (check.sample !== name || check.expected !== check.got) {
          problems.push(
            `${name}: expected ${check.expected}, got ${check.got} (sample ${show(check.sample)})`,
          );
        }
      }
      t.expect(problems, `values that did not survive the restart: ${problems.join("; ")}`).toEqual(
        [],
      );
    },
  });

  s.test({
    id: "alarm-fires-after-restart",
    title: "a scheduled event survives a restart and fires once without the actor being called",
    clause: "SCHED-4",
    requires: ["durable", "schedule"],
    timeoutMs: RESTART_TEST_MS,
    run: async (t) => {
      const key = t.uniqueKey("alarm");
      const payload = { kept: ["across", "restart"], n: 3 };
      const dueAt = await t.step(
        "scheduleAfter(800, report)",
        t.client.scheduled.getOrCreate(key).scheduleAfter("survivor", 800, payload, true),
      );
      await t.restart();
      // Only the witness is called: the alarm alone must wake the scheduled actor.
      const runs = await witnessed(t, key, 1);
      t.expect(runs[0].id).toBe("survivor");
      t.expect(runs[0].payload, "the arguments survived").toEqual(payload);
      t.expect(runs[0].ranAt, "not before its due time").toBeGreaterThanOrEqual(dueAt);
      await t.step(
        "sentinel",
        t.client.scheduled.get(key).scheduleAfter("sentinel", 100, null, true),
      );
      const all = await witnessed(t, key, 2);
      t.expect(
        all.map((r) => r.id),
        "the event fired exactly once",
      ).toEqual(["survivor", "sentinel"]);
    },
  });

  s.test({
    id: "alarm-due-while-down",
    title: "an event that comes due while the driver is down fires once after the restart",
    clause: "SCHED-4",
    requires: ["durable", "schedule"],
    timeoutMs: RESTART_TEST_MS,
    run: async (t) => {
      const key = t.uniqueKey("due-while-down");
      const downMs = 600;
      const dueAt = await t.step(
        "scheduleAfter(300, report)",
        t.client.scheduled.getOrCreate(key).scheduleAfter("while-down", 300, { n: 1 }, true),
      );
      const window = await restartDown(t, downMs);
      t.expect(dueAt, "precondition: the event came due while the driver was down").toBeLessThan(
        window.ended,
      );
      const runs = await witnessed(t, key, 1);
      t.expect(
        runs[0].ranAt,
        `the event fired once the driver was back: ${show(runs[0])}`,
      ).toBeGreaterThanOrEqual(dueAt);
      await t.step(
        "sentinel",
        t.client.scheduled.get(key).scheduleAfter("sentinel", 100, null, true),
      );
      const all = await witnessed(t, key, 2);
      t.expect(
        all.map((r) => r.id),
        "the missed event fired exactly once",
      ).toEqual(["while-down", "sentinel"]);
    },
  });
});

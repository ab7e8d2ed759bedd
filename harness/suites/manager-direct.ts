/**
 * Manager suite, driver level: the ManagerDriver called directly (`t.manager`), without routers
 * or clients, so a failure points at the driver itself (clauses MGR-1..MGR-5).
 */
import type { SuiteBuilder } from "../suite-api.ts";
import { BULK_MS, expectCode, show } from "./core-support.ts";

/** Registers the driver-level manager tests into the manager suite. */
export function registerDirectManagerTests(s: SuiteBuilder): void {
  s.test({
    id: "driver-get-for-id",
    title: "ManagerDriver.getForId returns the id, name and key an actor was created with",
    clause: "MGR-1",
    setup: "driver",
    run: async (t) => {
      const key = ["ünïcødé-✓", "", "a/b,c", t.uniqueKey("drv")[0]];
      const created = await t.step("createActor", t.manager.createActor({ name: "counter", key }));
      t.expect(created.name, "createActor reports the name").toBe("counter");
      t.expect([...created.key], "createActor reports the key").toEqual(key);
      // A second actor made later: getForId must answer for the id asked, not the newest actor.
      const otherKey = t.uniqueKey("drv-other");
      const other = await t.step(
        "createActor (second)",
        t.manager.createActor({ name: "twinCounter", key: otherKey }),
      );
      for (const [made, name, madeKey] of [
        [created, "counter", key],
        [other, "twinCounter", otherKey],
      ] as const) {
        const found = await t.step("getForId", t.manager.getForId({ actorId: made.actorId }));
        t.expect(found, `getForId(${made.actorId}) finds the actor`).toBeDefined();
        t.expect({ actorId: found!.actorId, name: found!.name, key: [...found!.key] }).toEqual({
          actorId: made.actorId,
          name,
          key: madeKey,
        });
      }
    },
  });

  s.test({
    id: "driver-get-for-id-unknown",
    title: "ManagerDriver.getForId of an unknown id resolves undefined",
    clause: "MGR-2",
    setup: "driver",
    run: async (t) => {
      await t.step("createActor", t.manager.createActor({ name: "counter", key: t.uniqueKey() }));
      const found = await t.step(
        "getForId",
        t.manager.getForId({ actorId: `unknown-${t.uniqueKey()[0]}` }),
      );
      t.expect(
        found,
        `getForId of an unknown id must resolve undefined, got ${show(found)}`,
      ).toBeUndefined();
    },
  });

  s.test({
    id: "driver-get-with-key-never-creates",
    title: "ManagerDriver.getWithKey never creates, and finds what getOrCreateWithKey made",
    clause: "MGR-3",
    setup: "driver",
    run: async (t) => {
      const key = t.uniqueKey("drv-get");
      t.expect(
        await t.step("getWithKey", t.manager.getWithKey({ name: "counter", key })),
      ).toBeUndefined();
      t.expect(
        await t.step("getWithKey again", t.manager.getWithKey({ name: "counter", key })),
        "a miss creates nothing",
      ).toBeUndefined();
      const made = await t.step(
        "getOrCreateWithKey",
        t.manager.getOrCreateWithKey({ name: "counter", key }),
      );
      const found = await t.step(
        "getWithKey after",
        t.manager.getWithKey({ name: "counter", key }),
      );
      t.expect(found?.actorId, "getWithKey finds the created actor").toBe(made.actorId);
      const again = await t.step(
        "getOrCreateWithKey again",
        t.manager.getOrCreateWithKey({ name: "counter", key }),
      );
      t.expect(again.actorId, "getOrCreateWithKey returns the existing actor").toBe(made.actorId);
    },
  });

  s.test({
    id: "driver-create-duplicate",
    title: "ManagerDriver.createActor on a taken key rejects with actor_already_exists",
    clause: "MGR-5",
    setup: "driver",
    run: async (t) => {
      const key = t.uniqueKey("drv-dup");
      const first = await t.step("createActor", t.manager.createActor({ name: "counter", key }));
      await expectCode(
        t,
        "createActor(taken key)",
        t.manager.createActor({ name: "counter", key }),
        "actor_already_exists",
      );
      const found = await t.step("getWithKey", t.manager.getWithKey({ name: "counter", key }));
      t.expect(found?.actorId, "the key still names the first actor").toBe(first.actorId);
    },
  });

  s.test({
    id: "driver-concurrent-get-or-create",
    title:
      "ManagerDriver: twenty concurrent getOrCreateWithKey and five createActor calls agree on one actor",
    clause: "MGR-4",
    timeoutMs: 30_000,
    setup: "driver",
    run: async (t) => {
      const key = t.uniqueKey("drv-race");
      const calls = [
        ...Array.from({ length: 20 }, () => t.manager.getOrCreateWithKey({ name: "counter", key })),
        ...Array.from({ length: 5 }, () => t.manager.createActor({ name: "counter", key })),
      ];
      const results = await t.step("25 concurrent calls", Promise.allSettled(calls), BULK_MS);
      const ids = new Set(
        results.flatMap((r) => (r.status === "fulfilled" ? [r.value.actorId] : [])),
      );
      t.expect(ids.size, `every successful call returns one actor id, got ${show([...ids])}`).toBe(
        1,
      );
      const gocFailures = results.slice(0, 20).filter((r) => r.status === "rejected");
      t.expect(
        gocFailures.length,
        `getOrCreateWithKey never fails: ${show(gocFailures.map((r) => (r as PromiseRejectedResult).reason?.message))}`,
      ).toBe(0);
      const createCodes = results
        .slice(20)
        .flatMap((r) => (r.status === "rejected" ? [(r.reason as { code?: unknown }).code] : []));
      t.expect(
        createCodes.every((code) => code === "actor_already_exists"),
        `createActor losers fail with actor_already_exists, got ${show(createCodes)}`,
      ).toBe(true);
      t.expect(createCodes.length, "at most one createActor wins").toBeGreaterThanOrEqual(4);
    },
  });
}

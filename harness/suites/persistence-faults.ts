/**
 * Persistence faults (capability `durable`): bytes of one actor damaged in storage, as a torn
 * write or a disk fault would leave them, give `persisted_data_corrupt` for that actor alone;
 * its neighbours, new actors and the server keep working (clause PERSIST-5). A write the storage
 * refuses (a full disk) leaves no trace, in memory or on disk (clause PERSIST-9).
 */
import { defineSuite } from "../suite-api.ts";
import { clientOf, expectCode, rejectionOf, show } from "./core-support.ts";

export const persistenceFaultsSuite = defineSuite("persistence-faults", (s) => {
  s.test({
    id: "damaged-actor-isolated",
    title:
      "an actor whose stored bytes are damaged fails with persisted_data_corrupt while its neighbours keep their state",
    clause: "PERSIST-5",
    axes: ["client"],
    timeoutMs: 30_000,
    run: async (t) => {
      const { damagePersistedData } = t.driver;
      t.expect(
        typeof damagePersistedData,
        `driver "${t.definition.name}" declares durable but its started instance has no damagePersistedData(actorId) hook (PERSIST-5)`,
      ).toBe("function");
      const victimKey = t.uniqueKey("victim");
      const neighbourKey = t.uniqueKey("neighbour");
      const before = clientOf(t);
      await t.step("victim +3", before.counter.getOrCreate(victimKey).increment(3));
      await t.step("neighbour +4", before.counter.getOrCreate(neighbourKey).increment(4));
      const victimId = await t.step("resolve victim", before.counter.get(victimKey).resolve());
      const neighbourId = await t.step(
        "resolve neighbour",
        before.counter.get(neighbourKey).resolve(),
      );

      await t.step(`damagePersistedData(${victimId})`, damagePersistedData!(victimId));
      // A restart drops what the driver holds in memory, so the next read goes to storage.
      await t.restart();

      const after = clientOf(t);
      await expectCode(
        t,
        `getCount on damaged counter${show(victimKey)} (${victimId})`,
        after.counter.getForId(victimId).getCount(),
        "persisted_data_corrupt",
      );
      t.expect(
        await t.step("neighbour getCount", after.counter.getForId(neighbourId).getCount()),
        `the undamaged neighbour counter${show(neighbourKey)} keeps its state`,
      ).toBe(4);
      const freshKey = t.uniqueKey("fresh");
      t.expect(
        await t.step("new actor +1", after.counter.getOrCreate(freshKey).increment(1)),
        "a new actor is created and answers after the fault",
      ).toBe(1);
      await expectCode(
        t,
        "the damaged actor still fails on a second call (no silent reset to empty state)",
        after.counter.getForId(victimId).increment(1),
        "persisted_data_corrupt",
      );
    },
  });

  s.test({
    id: "failed-write-leaves-no-trace",
    title:
      "an action whose state write fails is rejected, and its change is neither seen next nor stored",
    clause: "PERSIST-9",
    axes: ["client"],
    timeoutMs: 30_000,
    run: async (t) => {
      const { failPersistedWrites } = t.driver;
      t.expect(
        typeof failPersistedWrites,
        `driver "${t.definition.name}" declares durable but its started instance has no failPersistedWrites(actorId, fail) hook (PERSIST-9)`,
      ).toBe("function");
      const key = t.uniqueKey("full-disk");
      const neighbourKey = t.uniqueKey("neighbour");
      const before = clientOf(t);
      const counter = before.counter.getOrCreate(key);
      await t.step("counter +3", counter.increment(3));
      const actorId = await t.step("resolve counter", counter.resolve());
      await t.step(`failPersistedWrites(${actorId}, true)`, failPersistedWrites!(actorId, true));
      const failed = await rejectionOf(t, "counter +2 while its writes fail", counter.increment(2));
      t.expect(
        ["driver_error", "internal_error"],
        `a failed write is a driver error (internal_error on public paths), got ${show(failed.code)}`,
      ).toContain(failed.code);
      t.expect(
        await t.step("neighbour +4", before.counter.getOrCreate(neighbourKey).increment(4)),
        "another actor keeps writing while this one's writes fail",
      ).toBe(4);
      await t.step(`failPersistedWrites(${actorId}, false)`, failPersistedWrites!(actorId, false));
      t.expect(
        await t.step("getCount after the failed write", counter.getCount()),
        `counter${show(key)}: the change of the failed action is gone from memory`,
      ).toBe(3);
      await t.restart();
      const after = clientOf(t).counter.getForId(actorId);
      t.expect(
        await t.step("getCount after restart", after.getCount()),
        `counter${show(key)} (${actorId}): storage kept the bytes from before the failed write`,
      ).toBe(3);
      t.expect(
        await t.step("counter +1 after restart", after.increment(1)),
        "the actor writes again once storage recovers",
      ).toBe(4);
    },
  });
});

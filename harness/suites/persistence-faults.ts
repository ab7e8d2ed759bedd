/**
 * Persistence faults (capability `durable`): bytes of one actor damaged in storage, as a torn
 * write or a disk fault would leave them, give `persisted_data_corrupt` for that actor alone;
 * its neighbours, new actors and the server keep working (clause PERSIST-5).
 */
import { defineSuite } from "../suite-api.ts";
import { clientOf, expectCode, show } from "./core-support.ts";

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
});

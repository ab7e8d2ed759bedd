/**
 * Vars suite: static vars deep-cloned per instance, `createVars` per instance and kept for it,
 * and the driver context handed to `createVars` (clauses VARS-1..VARS-3).
 */
import { defineSuite } from "../suite-api.ts";
import { clientOf, show } from "./core-support.ts";

export const varsSuite = defineSuite("vars", (s) => {
  s.test({
    id: "static-vars",
    title: "static vars are readable from actions",
    clause: "VARS-1",
    run: async (t) => {
      const h = clientOf(t).staticVarActor.getOrCreate(t.uniqueKey("static"));
      t.expect(await t.step("getVars", h.getVars())).toEqual({ counter: 42, name: "test-actor" });
      t.expect(await t.step("getName", h.getName())).toBe("test-actor");
    },
  });

  s.test({
    id: "static-vars-deep-cloned",
    title: "static vars are deep-cloned per actor: nested changes in one actor never reach another",
    clause: "VARS-1",
    run: async (t) => {
      const c = clientOf(t);
      const one = c.nestedVarActor.getOrCreate(t.uniqueKey("instance1"));
      const two = c.nestedVarActor.getOrCreate(t.uniqueKey("instance2"));
      const original = {
        counter: 42,
        nested: { value: "original", array: [1, 2, 3], obj: { key: "value" } },
      };
      t.expect(
        await t.step("two.getVars before", two.getVars()),
        "the second actor starts from the declaration",
      ).toEqual(original);
      const modified = await t.step("one.modifyNested", one.modifyNested());
      t.expect(modified.nested, "the change applied to the first actor").toEqual({
        value: "modified",
        array: [1, 2, 3, 4],
        obj: { key: "new-value" },
      });
      t.expect(
        await t.step("one.getVars", one.getVars()),
        "the first actor keeps its change",
      ).toEqual(modified);
      t.expect(
        await t.step("two.getVars after", two.getVars()),
        "the second actor's vars are untouched",
      ).toEqual(original);
      const three = c.nestedVarActor.getOrCreate(t.uniqueKey("instance3"));
      t.expect(
        await t.step("three.getVars", three.getVars()),
        "an actor started after the change gets the declaration",
      ).toEqual(original);
    },
  });

  s.test({
    id: "create-vars",
    title: "createVars computes vars for the instance",
    clause: "VARS-2",
    run: async (t) => {
      const vars = await t.step(
        "getVars",
        clientOf(t).dynamicVarActor.getOrCreate(t.uniqueKey("dynamic")).getVars(),
      );
      t.expect(typeof vars.random, `random is a number: ${show(vars)}`).toBe("number");
      t.expect(vars.computed, "computed has the declared form").toMatch(/^Actor-\d+$/);
    },
  });

  s.test({
    id: "create-vars-per-instance",
    title: "createVars runs per instance and its value is kept for that instance",
    clause: "VARS-2",
    run: async (t) => {
      const c = clientOf(t);
      const key1 = t.uniqueKey("unique1");
      const first = await t.step("test1.getVars", c.uniqueVarActor.getOrCreate(key1).getVars());
      const second = await t.step(
        "test2.getVars",
        c.uniqueVarActor.getOrCreate(t.uniqueKey("unique2")).getVars(),
      );
      t.expect(first.id, "two actors get their own createVars value").not.toBe(second.id);
      const again = await t.step(
        "test1.getVars again",
        c.uniqueVarActor.getOrCreate(key1).getVars(),
      );
      t.expect(again, "the instance keeps its vars between calls").toEqual(first);
    },
  });

  s.test({
    id: "create-vars-after-restart",
    title: "a restarted actor runs createVars again for its new instance",
    clause: "VARS-2",
    requires: ["durable"],
    timeoutMs: 30_000,
    run: async (t) => {
      const key = t.uniqueKey("vars-restart");
      const before = await t.step("getVars", t.client.uniqueVarActor.getOrCreate(key).getVars());
      await t.restart();
      const after = await t.step(
        "getVars after restart",
        t.client.uniqueVarActor.getOrCreate(key).getVars(),
      );
      t.expect(after.id, "vars are per instance and never persisted").not.toBe(before.id);
    },
  });

  s.test({
    id: "driver-context",
    title: "createVars receives the driver context",
    clause: "VARS-3",
    run: async (t) => {
      const vars = await t.step(
        "getVars",
        clientOf(t).driverCtxActor.getOrCreate(t.uniqueKey("ctx")).getVars(),
      );
      t.expect(
        vars.hasDriverCtx,
        `createVars got a driver context from ActorDriver.getContext (saw type ${show(vars.driverCtxType)})`,
      ).toBe(true);
    },
  });
});

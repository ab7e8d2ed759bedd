/**
 * Inline-client suite: actors calling actors through `c.client()`, statelessly and over
 * connections with events, and the inline client's SSE transport streaming through
 * `ManagerDriver.sendRequest` (clauses INLINE-1..INLINE-3). These paths run inside the driver,
 * so the tests do not depend on the test's own client and run once.
 */
import { defineSuite } from "../suite-api.ts";
import { BULK_MS, clientOf, openConnection, show } from "./core-support.ts";

export const inlineClientSuite = defineSuite("inline-client", (s) => {
  s.test({
    id: "stateless-calls",
    title: "an actor calls another actor's actions statelessly through c.client()",
    clause: "INLINE-1",
    run: async (t) => {
      const c = clientOf(t);
      const caller = c.inlineClientActor.getOrCreate(t.uniqueKey("caller"));
      const target = t.uniqueKey("inline-test");
      t.expect(
        await t.step("callCounterIncrement(5)", caller.callCounterIncrement(target, 5)),
      ).toBe(5);
      t.expect(await t.step("getCounterState", caller.getCounterState(target))).toBe(5);
      t.expect(
        await t.step("counter read directly", c.counter.get(target).getCount()),
        "the caller reached the real counter",
      ).toBe(5);
      t.expect(await t.step("getMessages", caller.getMessages())).toEqual([
        "Called counter.increment(5), result: 5",
        "Got counter state: 5",
      ]);
    },
  });

  s.test({
    id: "several-stateless-calls",
    title: "several stateless actor-to-actor calls apply in order",
    clause: "INLINE-1",
    run: async (t) => {
      const c = clientOf(t);
      const caller = c.inlineClientActor.getOrCreate(t.uniqueKey("caller"));
      const target = t.uniqueKey("inline-many");
      await t.step("clearMessages", caller.clearMessages());
      t.expect(await t.step("+3", caller.callCounterIncrement(target, 3))).toBe(3);
      t.expect(await t.step("+7", caller.callCounterIncrement(target, 7))).toBe(10);
      t.expect(await t.step("getCounterState", caller.getCounterState(target))).toBe(10);
      t.expect(await t.step("getMessages", caller.getMessages())).toEqual([
        "Called counter.increment(3), result: 3",
        "Called counter.increment(7), result: 10",
        "Got counter state: 10",
      ]);
    },
  });

  s.test({
    id: "concurrent-callers",
    title: "ten actors calling one actor at once through c.client() lose no update",
    clause: "INLINE-1",
    timeoutMs: 30_000,
    run: async (t) => {
      const c = clientOf(t);
      const target = t.uniqueKey("inline-shared");
      const results: number[] = await t.step(
        "10 callers x increment(1)",
        Promise.all(
          Array.from({ length: 10 }, () =>
            c.inlineClientActor.getOrCreate(t.uniqueKey("caller")).callCounterIncrement(target, 1),
          ),
        ),
        BULK_MS,
      );
      t.expect(
        [...results].sort((a, b) => a - b),
        "each call saw a distinct count",
      ).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    },
  });

  s.test({
    id: "connection-receives-events",
    title: "an actor connects to another through c.client() and receives its events in order",
    clause: "INLINE-2",
    requires: ["websocket"],
    run: async (t) => {
      const caller = clientOf(t).inlineClientActor.getOrCreate(t.uniqueKey("caller"));
      const run = await t.step(
        "connectToCounterAndIncrement(4)",
        caller.connectToCounterAndIncrement(t.uniqueKey("inline-stateful"), 4),
      );
      t.expect(run, "action results and the newCount events the connection received").toEqual({
        result1: 4,
        result2: 12,
        events: [4, 12],
      });
      const messages = await t.step("getMessages", caller.getMessages());
      t.expect(messages, `the caller's log: ${show(messages)}`).toEqual([
        "Connected to counter, incremented by 4 and 8, results: 4, 12, events: [4,12]",
      ]);
    },
  });

  s.test({
    id: "stateless-and-connected-calls",
    title: "stateless calls and a connection from one actor reach their targets independently",
    clause: "INLINE-2",
    requires: ["websocket"],
    run: async (t) => {
      const c = clientOf(t);
      const caller = c.inlineClientActor.getOrCreate(t.uniqueKey("caller"));
      const [statelessKey, statefulKey] = [t.uniqueKey("inline-a"), t.uniqueKey("inline-b")];
      t.expect(await t.step("stateless +1", caller.callCounterIncrement(statelessKey, 1))).toBe(1);
      t.expect(await t.step("getCounterState", caller.getCounterState(statelessKey))).toBe(1);
      const run = await t.step(
        "connected +3/+6",
        caller.connectToCounterAndIncrement(statefulKey, 3),
      );
      t.expect(run).toEqual({ result1: 3, result2: 9, events: [3, 9] });
      t.expect(
        await t.step("stateless counter untouched", c.counter.get(statelessKey).getCount()),
      ).toBe(1);
      const messages = await t.step("getMessages", caller.getMessages());
      t.expect(messages.length, `three log entries in order: ${show(messages)}`).toBe(3);
      t.expect(messages[2]).toContain("incremented by 3 and 6");
    },
  });

  s.test({
    id: "inline-sse-streams",
    title: "the inline client's SSE connection streams events through sendRequest",
    clause: "INLINE-3",
    run: async (t) => {
      const inline = clientOf(t, { client: "inline", transport: "sse" });
      // connHooks (a connectivity fixture) records the route each connection arrived on.
      const handle = inline.connHooks.getOrCreate(t.uniqueKey("inline-sse"));
      const conn = await openConnection(t, handle, "inline SSE connection");
      const who = (await t.step("conn.whoAmI", conn.whoAmI())) as { state: { route: string } };
      t.expect(who.state.route, "the actor saw the connection arrive over SSE").toBe(
        "/connect/sse",
      );
      const events: number[] = [];
      let seen: () => void = () => {};
      const all = new Promise<void>((resolve) => {
        seen = resolve;
      });
      conn.on("newCount", (n: number) => {
        events.push(n);
        if (events.length === 3) seen();
      });
      // An action on the connection orders after its subscription message.
      t.expect(await t.step("conn.getCount", conn.getCount())).toBe(0);
      for (const n of [1, 2, 3])
        await t.step(`increment(${n}) from another caller`, handle.increment(n));
      await t.step("three events while the stream stays open", all);
      t.expect(events, "events arrive in order over the open stream").toEqual([1, 3, 6]);
    },
  });
});

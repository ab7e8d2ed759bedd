/**
 * Actions suite: synchronous, async and promise-returning actions, argument lists, unknown
 * actions, action timeouts, concurrent actions on one actor, and the connection hooks every
 * stateless action runs (clauses ACT-1..ACT-6). Stateless tests run per client and encoding;
 * connection tests per client, transport and encoding.
 */
import { LIFECYCLE_ACTION_TIMEOUT_MS } from "../fixtures/core/lifecycle.ts";
import { SHORT_TIMEOUT_MS } from "../fixtures/core/timeouts.ts";
import { defineSuite } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import {
  BULK_MS,
  type CoreClient,
  clientOf,
  expectCode,
  oneTo,
  openConnection,
  pollUntil,
  show,
  where,
} from "./core-support.ts";

const STATELESS = ["client", "encoding"] as const;
const CONNECTED = ["client", "transport", "encoding"] as const;

/** Sorted copy of numeric replies. */
function sorted(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** The hook log of `counterWithLifecycle[key]`, read by an untracked stateless call. */
function eventsOf(t: TestContext, c: CoreClient, key: string[]): Promise<string[]> {
  return t.step("getEvents", c.counterWithLifecycle.getOrCreate(key).getEvents());
}

function countOf(events: string[], name: string): number {
  return events.filter((e) => e === name).length;
}

export const actionsSuite = defineSuite("actions", (s) => {
  s.test({
    id: "sync-actions",
    title: "synchronous actions return their values, and one returning nothing gives undefined",
    clause: "ACT-1",
    axes: STATELESS,
    run: async (t) => {
      const h = clientOf(t).syncActionActor.getOrCreate(t.uniqueKey("sync"));
      t.expect(await t.step("increment(5)", h.increment(5)), where(t)).toBe(5);
      t.expect(await t.step("increment(3)", h.increment(3))).toBe(8);
      t.expect(await t.step("increment()", h.increment()), "a default parameter applies").toBe(9);
      const info = await t.step("getInfo", h.getInfo());
      t.expect(info.currentValue, "getInfo reads the state").toBe(9);
      t.expect(typeof info.timestamp, `getInfo.timestamp is a number, got ${show(info)}`).toBe(
        "number",
      );
      t.expect(
        await t.step("reset", h.reset()),
        "an action returning nothing gives undefined",
      ).toBeUndefined();
      t.expect(await t.step("increment(0)", h.increment(0)), "reset took effect").toBe(0);
    },
  });

  s.test({
    id: "async-actions",
    title: "async actions return their values and their rejections reach the caller",
    clause: "ACT-1",
    axes: STATELESS,
    run: async (t) => {
      const h = clientOf(t).asyncActionActor.getOrCreate(t.uniqueKey("async"));
      t.expect(await t.step("delayedIncrement(5)", h.delayedIncrement(5)), where(t)).toBe(5);
      const data = await t.step("fetchData", h.fetchData("test-123"));
      t.expect(data.id, "fetchData returns what it stored").toBe("test-123");
      t.expect(typeof data.timestamp, `fetchData.timestamp is a number: ${show(data)}`).toBe(
        "number",
      );
      t.expect(await t.step("asyncWithError(false)", h.asyncWithError(false))).toBe("Success");
      const failed = await expectCode(
        t,
        "asyncWithError(true)",
        h.asyncWithError(true),
        "intentional_error",
      );
      t.expect(failed.message, "the UserError message arrives exactly").toBe("Intentional error");
    },
  });

  s.test({
    id: "promise-actions",
    title: "actions that return promises resolve or reject with them",
    clause: "ACT-1",
    axes: STATELESS,
    run: async (t) => {
      const h = clientOf(t).promiseActor.getOrCreate(t.uniqueKey("promise"));
      t.expect(await t.step("resolvedPromise", h.resolvedPromise()), where(t)).toBe(
        "resolved value",
      );
      t.expect(await t.step("delayedPromise", h.delayedPromise())).toBe("delayed value");
      const failed = await expectCode(
        t,
        "rejectedPromise",
        h.rejectedPromise(),
        "promised_rejection",
      );
      t.expect(failed.message).toBe("promised rejection");
      t.expect(
        await t.step("getResults", h.getResults()),
        "state changed before the promise settled is kept",
      ).toEqual(["delayed"]);
    },
  });

  s.test({
    id: "argument-lists",
    title: "argument lists arrive complete and in order, from none to many",
    clause: "ACT-2",
    axes: STATELESS,
    run: async (t) => {
      const h = clientOf(t).valuesActor.getOrCreate(t.uniqueKey("args"));
      t.expect(await t.step("echoArgs()", h.echoArgs()), "no arguments").toEqual({
        count: 0,
        args: [],
      });
      const many = [1, "two", null, [3, [4]], { five: { six: 6 } }, false, 0, ""];
      t.expect(
        await t.step("echoArgs(8 args)", h.echoArgs(...many)),
        `${where(t)}: 8 arguments in order`,
      ).toEqual({
        count: many.length,
        args: many,
      });
    },
  });

  s.test({
    id: "unknown-action",
    title:
      "calling an action the actor does not have fails with action_not_found, and the actor keeps working",
    clause: "ACT-3",
    axes: STATELESS,
    run: async (t) => {
      const h = clientOf(t).counter.getOrCreate(t.uniqueKey("unknown-action"));
      t.expect(await t.step("increment", h.increment(2))).toBe(2);
      await expectCode(t, "noSuchAction()", h.action("noSuchAction", 1), "action_not_found");
      await expectCode(t, "an inherited property name", h.action("toString"), "action_not_found");
      t.expect(await t.step("getCount", h.getCount()), "the actor is unaffected").toBe(2);
    },
  });

  s.test({
    id: "unknown-action-over-connection",
    title:
      "an unknown action over a connection fails with action_not_found and the connection stays usable",
    clause: "ACT-3",
    axes: CONNECTED,
    run: async (t) => {
      const conn = await openConnection(
        t,
        clientOf(t).counter.getOrCreate(t.uniqueKey("unknown-conn")),
      );
      await expectCode(t, "conn.noSuchAction()", conn.action("noSuchAction"), "action_not_found");
      t.expect(
        await t.step("conn.increment", conn.increment(4)),
        "the same connection still works",
      ).toBe(4);
    },
  });

  s.test({
    id: "action-timeout",
    title:
      "an action slower than the actor's timeout fails with action_timed_out; fast and sync ones succeed",
    clause: "ACT-4",
    axes: ["client"],
    run: async (t) => {
      const h = clientOf(t).shortTimeoutActor.getOrCreate(t.uniqueKey("timeout"));
      t.expect(await t.step("quickAction", h.quickAction())).toBe("quick response");
      t.expect(await t.step("syncAction", h.syncAction())).toBe("sync response");
      await expectCode(
        t,
        `slowAction (timeout ${SHORT_TIMEOUT_MS} ms)`,
        h.slowAction(),
        "action_timed_out",
      );
      t.expect(
        await t.step("quickAction after", h.quickAction()),
        "the actor works after a timeout",
      ).toBe("quick response");
      t.expect(await t.step("getValue", h.getValue()), "state is intact").toBe(1);
    },
  });

  s.test({
    id: "action-timeout-per-actor",
    title:
      "each actor applies its own action timeout, and the default allows ordinary async actions",
    clause: "ACT-4",
    timeoutMs: 30_000,
    axes: ["client"],
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("timeouts");
      const [short, long, normal] = await t.step(
        "three actors at once",
        Promise.allSettled([
          c.shortTimeoutActor.getOrCreate(key).slowAction(),
          c.longTimeoutActor.getOrCreate(key).delayedAction(200),
          c.defaultTimeoutActor.getOrCreate(key).normalAction(),
        ]),
        BULK_MS,
      );
      t.expect(
        short.status === "rejected" && (short.reason as { code?: unknown }).code,
        `short: ${show(short)}`,
      ).toBe("action_timed_out");
      t.expect(long.status === "fulfilled" && long.value, `long: ${show(long)}`).toBe(
        "delayed response after 200ms",
      );
      t.expect(normal.status === "fulfilled" && normal.value, `default: ${show(normal)}`).toBe(
        "normal response",
      );
    },
  });

  s.test({
    id: "action-timeout-over-connection",
    title:
      "a timed-out action over a connection fails with action_timed_out and the connection stays usable",
    clause: "ACT-4",
    axes: ["client", "transport"],
    run: async (t) => {
      const conn = await openConnection(
        t,
        clientOf(t).shortTimeoutActor.getOrCreate(t.uniqueKey("timeout-conn")),
      );
      await expectCode(t, "conn.slowAction", conn.slowAction(), "action_timed_out");
      t.expect(await t.step("conn.quickAction", conn.quickAction())).toBe("quick response");
    },
  });

  s.test({
    id: "concurrent-actions",
    title: "fifty concurrent actions on one actor all complete and lose no update",
    clause: "ACT-5",
    timeoutMs: 30_000,
    axes: ["client"],
    run: async (t) => {
      const c = clientOf(t);
      const counter = c.counter.getOrCreate(t.uniqueKey("concurrent"));
      const replies: number[] = await t.step(
        "50 concurrent increments",
        Promise.all(Array.from({ length: 50 }, () => counter.increment(1))),
        BULK_MS,
      );
      t.expect(sorted(replies), "each increment saw a distinct count").toEqual(oneTo(50));
      t.expect(await t.step("getCount", counter.getCount()), "no increment lost").toBe(50);
      const asyncActor = c.asyncActionActor.getOrCreate(t.uniqueKey("concurrent-async"));
      await t.step(
        "50 concurrent async increments",
        Promise.all(Array.from({ length: 50 }, () => asyncActor.delayedIncrement(1))),
        BULK_MS,
      );
      t.expect(await t.step("getValue", asyncActor.getValue()), "no async increment lost").toBe(50);
    },
  });

  s.test({
    id: "concurrent-actions-over-connections",
    title: "fifty actions pipelined over two connections all complete and lose no update",
    clause: "ACT-5",
    axes: CONNECTED,
    timeoutMs: 20_000,
    run: async (t) => {
      const handle = clientOf(t).counter.getOrCreate(t.uniqueKey("pipelined"));
      const a = await openConnection(t, handle, "connection A");
      const b = await openConnection(t, handle, "connection B");
      const calls: Promise<number>[] = [];
      for (let i = 0; i < 25; i++) calls.push(a.increment(1), b.increment(1));
      const replies = await t.step("50 pipelined increments", Promise.all(calls), 15_000);
      t.expect(sorted(replies), `${where(t)}: each reply is a distinct count`).toEqual(oneTo(50));
      t.expect(await t.step("getCount", handle.getCount())).toBe(50);
    },
  });

  s.test({
    id: "stateless-action-hooks",
    title: "each stateless action runs onBeforeConnect, onConnect and onDisconnect exactly once",
    clause: "ACT-6",
    axes: ["client"],
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("hooks");
      t.expect(await eventsOf(t, c, key), "an untracked call records only onStart").toEqual([
        "onStart",
      ]);
      const tracked = c.counterWithLifecycle.getOrCreate(key, { params: { trackLifecycle: true } });
      t.expect(await t.step("tracked increment", tracked.increment(5))).toBe(5);
      const one = ["onStart", "onBeforeConnect", "onConnect", "onDisconnect"];
      const after1 = await pollUntil(
        t,
        "onDisconnect of the first call",
        () => eventsOf(t, c, key),
        (e) => e.length >= 4,
      );
      t.expect(after1, "one stateless action: each connection hook once, in order").toEqual(one);
      t.expect(await t.step("second tracked increment", tracked.increment(1))).toBe(6);
      const after2 = await pollUntil(
        t,
        "onDisconnect of the second call",
        () => eventsOf(t, c, key),
        (e) => e.length >= 7,
      );
      t.expect(after2, "a second action: each connection hook once more").toEqual([
        ...one,
        "onBeforeConnect",
        "onConnect",
        "onDisconnect",
      ]);
    },
  });

  s.test({
    id: "stateless-action-hooks-two-handles",
    title: "stateless actions from two handles run the connection hooks once each and onStart once",
    clause: "ACT-6",
    timeoutMs: 30_000,
    axes: ["client"],
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("hooks-two");
      const params = { trackLifecycle: true };
      const results = await t.step(
        "one tracked call from each of two handles",
        Promise.all([
          c.counterWithLifecycle.getOrCreate(key, { params }).increment(1),
          c.counterWithLifecycle.getOrCreate(key, { params }).increment(1),
        ]),
        BULK_MS,
      );
      t.expect(sorted(results)).toEqual([1, 2]);
      const events = await pollUntil(
        t,
        "both onDisconnects",
        () => eventsOf(t, c, key),
        (e) => countOf(e, "onDisconnect") >= 2,
      );
      const counts = Object.fromEntries(
        ["onStart", "onBeforeConnect", "onConnect", "onDisconnect"].map((n) => [
          n,
          countOf(events, n),
        ]),
      );
      t.expect(counts, `hook counts from ${show(events)}`).toEqual({
        onStart: 1,
        onBeforeConnect: 2,
        onConnect: 2,
        onDisconnect: 2,
      });
    },
  });

  s.test({
    id: "stateless-action-hooks-on-failure-and-timeout",
    title:
      "failing, crashing and timed-out stateless actions run each connection hook exactly once",
    clause: "ACT-6",
    timeoutMs: 20_000,
    axes: ["client"],
    run: async (t) => {
      const c = clientOf(t);
      const key = t.uniqueKey("hooks-fail");
      const tracked = c.counterWithLifecycle.getOrCreate(key, { params: { trackLifecycle: true } });
      await expectCode(t, "fail()", tracked.fail(), "deliberate_failure");
      // An internal error: masked publicly (internal_error), shown inline with its own message.
      await t.step(
        "crash() rejects",
        tracked.crash().then(
          () => Promise.reject(new Error("crash() resolved")),
          () => undefined,
        ),
      );
      await expectCode(
        t,
        "slow(beyond the timeout)",
        tracked.slow(LIFECYCLE_ACTION_TIMEOUT_MS + 1_500),
        "action_timed_out",
        LIFECYCLE_ACTION_TIMEOUT_MS * 4,
      );
      await pollUntil(
        t,
        "three onDisconnects",
        () => eventsOf(t, c, key),
        (e) => countOf(e, "onDisconnect") >= 3,
      );
      // A retried request would have run its hooks before the caller saw the failure; read again
      // after a pause anyway, so a late duplicate cannot slip past.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const events = await eventsOf(t, c, key);
      const counts = Object.fromEntries(
        ["onStart", "onBeforeConnect", "onConnect", "onDisconnect"].map((n) => [
          n,
          countOf(events, n),
        ]),
      );
      t.expect(counts, `hook counts of three failed calls, from ${show(events)}`).toEqual({
        onStart: 1,
        onBeforeConnect: 3,
        onConnect: 3,
        onDisconnect: 3,
      });
    },
  });
});

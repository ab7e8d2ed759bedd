import { describe, expect, onTestFinished, test } from "vitest";
import { actor } from "./definition.ts";
import { ActorError } from "./errors.ts";
import {
  connectRequest,
  createTestActor,
  RecordingTransport,
  statelessRequest,
  type TestActor,
} from "./test-helpers.ts";

/** Starts `definition` and stops it (releasing any held write) when the test ends. */
async function start(definition: Parameters<typeof createTestActor>[0]): Promise<TestActor> {
  const t = await createTestActor(definition);
  onTestFinished(async () => {
    t.driver.holdWrites = false;
    while (t.driver.parked > 0) t.driver.releaseWrite();
    await t.stop();
  });
  return t;
}

/** Lets every queued microtask and a few macrotasks run, so a reply that could race ahead does. */
async function drain(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

const call = (t: TestActor, name: string, ...args: unknown[]) =>
  t.instance.runStatelessAction(name, args, statelessRequest());

describe("state persistence", () => {
  const counter = actor({
    state: { count: 0 },
    actions: {
      inc: (c) => ++c.state.count,
      get: (c) => c.state.count,
    },
  });

  test("state written by an action is stored and read back by the next instance (PERSIST-1)", async () => {
    const t = await start(counter);
    expect(await call(t, "inc")).toBe(1);
    expect(await call(t, "inc")).toBe(2);
    expect(t.driver.blob(t.actorId).state).toEqual({ count: 2 });
    await t.instance.stop();
    const again = await t.restart();
    expect(await again.runStatelessAction("get", [], statelessRequest())).toBe(2);
  });

  test("an action's reply comes only after the write carrying its change resolved (PERSIST-2)", async () => {
    const t = await start(counter);
    t.driver.holdWrites = true;
    let replied = false;
    const reply = call(t, "inc").then((v) => {
      replied = true;
      return v;
    });
    await t.driver.until(() => t.driver.parked === 1, "the write of the change to start");
    await drain();
    expect(replied, "the reply waited for the write").toBe(false);
    t.driver.releaseWrite();
    expect(await reply).toBe(1);
    expect(t.driver.blob(t.actorId).state).toEqual({ count: 1 });
  });

  test("writes are coalesced: one in flight, later changes ride the next write", async () => {
    const t = await start(counter);
    const before = t.driver.writes.length;
    t.driver.holdWrites = true;
    const settled: string[] = [];
    const first = call(t, "inc").then(() => settled.push("first"));
    await t.driver.until(() => t.driver.parked === 1, "the first write");
    const second = call(t, "inc").then(() => settled.push("second"));
    const third = call(t, "inc").then(() => settled.push("third"));
    await drain();
    expect(t.driver.parked, "no second write while one is in flight").toBe(1);
    t.driver.releaseWrite();
    await first;
    await t.driver.until(() => t.driver.parked === 1, "the coalesced write");
    expect(settled).toEqual(["first"]);
    t.driver.releaseWrite();
    await Promise.all([second, third]);
    expect(t.driver.writes.length - before).toBe(2);
    expect(t.driver.writes.at(-1)!.data.state).toEqual({ count: 3 });
    expect(t.driver.maxInFlight).toBe(1);
  });

  test("an action that changes nothing writes nothing", async () => {
    const t = await start(counter);
    await call(t, "inc");
    const before = t.driver.writes.length;
    expect(await call(t, "get")).toBe(1);
    expect(t.driver.writes.length).toBe(before);
  });

  test("mutating a Map in place is a change and is persisted as a Map (PERSIST-4)", async () => {
    const t = await start(
      actor({
        state: { tags: new Map<string, bigint>() },
        actions: { tag: (c, k: string) => void c.state.tags.set(k, 1n) },
      }),
    );
    const before = t.driver.writes.length;
    await call(t, "tag", "a");
    expect(t.driver.writes.length).toBe(before + 1);
    expect(t.driver.blob(t.actorId).state).toStrictEqual({ tags: new Map([["a", 1n]]) });
  });

  test("onStateChange runs once after each action that changed state, with the new state (PERSIST-6)", async () => {
    const seen: unknown[] = [];
    const t = await start(
      actor({
        state: { count: 0 },
        onStateChange: (_c, state) => void seen.push(structuredClone(state)),
        actions: { inc: (c) => ++c.state.count, get: (c) => c.state.count },
      }),
    );
    await call(t, "inc");
    await call(t, "get");
    await call(t, "inc");
    expect(seen).toEqual([{ count: 1 }, { count: 2 }]);
  });

  test("an onStateChange error is logged and the action still succeeds", async () => {
    const t = await start(
      actor({
        state: { count: 0 },
        onStateChange: () => {
          throw new Error("listener broke");
        },
        actions: { inc: (c) => ++c.state.count },
      }),
    );
    expect(await call(t, "inc")).toBe(1);
    expect(t.driver.blob(t.actorId).state).toEqual({ count: 1 });
    expect(t.logs.some((l) => l.level === "error" && /onStateChange/.test(l.message))).toBe(true);
  });

  test("a change made outside an action (onConnect) is written within stateSaveInterval", async () => {
    const t = await start(
      actor({
        state: { joined: 0 },
        onConnect: (c) => void c.state.joined++,
        actions: {},
        options: { stateSaveInterval: 20 },
      }),
    );
    await t.instance.connect(connectRequest(new RecordingTransport()));
    await t.driver.until(
      () => (t.driver.blob(t.actorId).state as { joined: number }).joined === 1,
      "the periodic save",
    );
  });

  test("a change made by a timer after the action returned is written by the periodic save", async () => {
    const t = await start(
      actor({
        state: { late: false },
        actions: { later: (c) => void setTimeout(() => (c.state.late = true), 1) },
        options: { stateSaveInterval: 20 },
      }),
    );
    await call(t, "later");
    await t.driver.until(
      () => (t.driver.blob(t.actorId).state as { late: boolean }).late,
      "the periodic save",
    );
  });

  test("c.saveState({ immediate: true }) writes before it resolves", async () => {
    const t = await start(
      actor({
        state: { hits: 0 },
        onFetch: async (c) => {
          c.state.hits++;
          await c.saveState({ immediate: true });
          return new Response("ok");
        },
        actions: {},
        options: { stateSaveInterval: 60_000 },
      }),
    );
    await t.instance.handleFetch(new Request("http://actor/"), undefined);
    expect(t.driver.blob(t.actorId).state).toEqual({ hits: 1 });
  });

  test("stop() writes changes not yet saved", async () => {
    const t = await start(
      actor({
        state: { v: 0 },
        onConnect: (c) => {
          c.state.v = 7;
        },
        actions: {},
        options: { stateSaveInterval: 60_000 },
      }),
    );
    await t.instance.connect(connectRequest(new RecordingTransport()));
    expect(t.driver.blob(t.actorId).state).toEqual({ v: 0 });
    await t.instance.stop();
    expect(t.driver.blob(t.actorId).state).toEqual({ v: 7 });
  });

  test("a value the encoding cannot carry fails the action with invalid_state_type naming the path", async () => {
    class Point {}
    const t = await start(
      actor({
        state: { items: [] as unknown[] },
        actions: {
          addFn: (c) => void c.state.items.push(() => 1),
          replace: (c) => {
            c.state = new Point() as never;
          },
          ok: () => "fine",
        },
      }),
    );
    const error = (await call(t, "addFn").catch((e) => e)) as ActorError;
    expect(error).toBeInstanceOf(ActorError);
    expect(error.code).toBe("invalid_state_type");
    expect(error.message).toMatch(/state\.items\[0\] is a function/);
    await t.instance.stop();
    const t2 = await start(
      actor({
        state: { a: 1 },
        actions: {
          replace: (c) => {
            c.state = new Point() as never;
          },
        },
      }),
    );
    await expect(call(t2, "replace")).rejects.toMatchObject({
      code: "invalid_state_type",
      message: /instance of Point/,
    });
    expect(t2.driver.blob(t2.actorId).state).toEqual({ a: 1 });
  });

  test("a failing driver write rejects the action with driver_error", async () => {
    const t = await start(counter);
    t.driver.failWrites = new Error("disk full");
    await expect(call(t, "inc")).rejects.toMatchObject({
      code: "driver_error",
      message: /disk full/,
    });
    t.driver.failWrites = undefined;
    expect(await call(t, "inc"), "the actor keeps working after a failed write").toBe(1);
  });

  test("a failed save leaves no trace: not in memory, not in the next successful save (PERSIST-9)", async () => {
    const t = await start(counter);
    expect(await call(t, "inc")).toBe(1);
    t.driver.failWrites = new Error("ENOSPC: no space left on device");
    await expect(call(t, "inc")).rejects.toMatchObject({ code: "driver_error" });
    await expect(call(t, "inc")).rejects.toMatchObject({ code: "driver_error" });
    t.driver.failWrites = undefined;
    expect(await call(t, "get"), "the failed changes are gone from memory").toBe(1);
    // A change outside the failed actions is saved normally and carries none of theirs.
    expect(t.driver.blob(t.actorId).state).toEqual({ count: 1 });
    expect(await call(t, "inc")).toBe(2);
    expect(t.driver.blob(t.actorId).state).toEqual({ count: 2 });
  });

  test("an action whose change rode a failed write rejects too, and its change is gone (PERSIST-9)", async () => {
    const t = await start(counter);
    t.driver.holdWrites = true;
    const first = call(t, "inc");
    await t.driver.until(() => t.driver.parked === 1, "the first write");
    const second = call(t, "inc");
    await drain();
    t.driver.failWrites = new Error("EROFS: read-only file system");
    t.driver.releaseWrite();
    await expect(first).rejects.toMatchObject({ code: "driver_error" });
    await expect(second).rejects.toMatchObject({ code: "driver_error" });
    t.driver.holdWrites = false;
    t.driver.failWrites = undefined;
    expect(await call(t, "get")).toBe(0);
    await t.instance.stop();
    expect(t.driver.blob(t.actorId).state, "the final save writes no failed change").toEqual({
      count: 0,
    });
  });

  test("a state the encoding cannot carry is not kept after the failed action", async () => {
    const t = await start(
      actor({
        state: { a: 1 } as { a: unknown },
        actions: {
          bad: (c) => {
            c.state.a = () => 1;
          },
          get: (c) => typeof c.state.a,
        },
      }),
    );
    await expect(call(t, "bad")).rejects.toMatchObject({ code: "invalid_state_type" });
    expect(await call(t, "get")).toBe("number");
  });
});

import { afterEach, describe, expect, onTestFinished, test, vi } from "vitest";
import { actor } from "../../runtime/actor/definition.ts";
import { setup } from "../../runtime/actor/registry.ts";
import { createDriverRuntimeHelpers, type ManagerDriver } from "../../runtime/driver/index.ts";
import memoryDriver from "./index.ts";
import { MemoryStore } from "./memory-store.ts";

function fixture() {
  let resolveTick: (value: unknown) => void = () => {};
  const ticked = new Promise((resolve) => {
    resolveTick = resolve;
  });
  const counter = actor({
    createVars: (_c, driverContext: unknown) => ({ driverContext }),
    createState: (_c, { input }: { input: unknown }) => ({ input: input ?? null, count: 0 }),
    actions: {
      read: (c) => c.state,
      region: (c) => c.region,
      driverContext: (c) => c.vars.driverContext,
      scheduleTick: async (c, ms: number) => c.schedule.after(ms, "tick", "payload"),
      tick: (_c, arg: string) => resolveTick(arg),
      readOther: async (c, key: string) => {
        const client = c.client<any>();
        return client.counter.getOrCreate([key], { input: "from-actor" }).read();
      },
    },
  });
  return { registry: setup({ use: { counter, other: counter } }), ticked };
}

async function start(registry = fixture().registry) {
  const instance = await memoryDriver.start({
    registry,
    dataDir: "",
    namespace: "memory-test",
    runtime: createDriverRuntimeHelpers(),
  });
  onTestFinished(() => instance.stop());
  return instance.manager;
}

async function call(manager: ManagerDriver, actorId: string, name: string, args: unknown[] = []) {
  const res = await manager.sendRequest(
    actorId,
    new Request(`http://actor/action/${name}`, {
      method: "POST",
      headers: { "x-actor-encoding": "json" },
      body: JSON.stringify({ args }),
    }),
  );
  return (await res.json()).output;
}

describe("memory driver: manager", () => {
  test("the definition declares its capabilities and contract version (DRV-1)", () => {
    expect(memoryDriver.name).toBe("memory");
    expect(memoryDriver.contractVersion).toBe(1);
    expect(memoryDriver.capabilities).toEqual({
      websocket: true,
      sse: true,
      schedule: true,
      durable: false,
      sleep: true,
    });
  });

  test("100 concurrent getOrCreateWithKey calls on one key give one actor (MGR-4)", async () => {
    const manager = await start();
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        manager.getOrCreateWithKey({ name: "counter", key: ["hot"], input: i }),
      ),
    );
    expect(new Set(results.map((r) => r.actorId)).size).toBe(1);
    // The first caller's input created it; later inputs are ignored.
    expect(await call(manager, results[0].actorId, "read")).toEqual({ input: 0, count: 0 });
  });

  test("keys compare as whole arrays (KEY-1..KEY-4)", async () => {
    const manager = await start();
    const keys = [["a", "b"], ["a/b"], ["a,b"], ["b", "a"], [], [""], ["é", "🙂"]];
    const ids = [];
    for (const key of keys) {
      ids.push((await manager.createActor({ name: "counter", key })).actorId);
    }
    expect(new Set(ids).size).toBe(keys.length);
    for (const [i, key] of keys.entries()) {
      const found = await manager.getWithKey({ name: "counter", key });
      expect(found?.actorId, JSON.stringify(key)).toBe(ids[i]);
      expect(found?.key).toEqual(key);
    }
    expect(await manager.getWithKey({ name: "counter", key: ["a"] })).toBeUndefined();
    expect(await manager.getWithKey({ name: "other", key: ["a", "b"] })).toBeUndefined();
  });

  test("createActor on a taken key rejects actor_already_exists and leaves the actor as it was (MGR-5)", async () => {
    const manager = await start();
    const first = await manager.createActor({ name: "counter", key: ["k"], input: "one" });
    await expect(
      manager.createActor({ name: "counter", key: ["k"], input: "two" }),
    ).rejects.toMatchObject({ code: "actor_already_exists" });
    expect((await manager.getWithKey({ name: "counter", key: ["k"] }))?.actorId).toBe(
      first.actorId,
    );
    expect(await call(manager, first.actorId, "read")).toEqual({ input: "one", count: 0 });
  });

  test("getForId returns name, key and region as created (MGR-1, MGR-8); unknown ids are undefined", async () => {
    const manager = await start();
    const created = await manager.createActor({ name: "counter", key: ["r"], region: "eu-west" });
    expect(await manager.getForId({ actorId: created.actorId })).toEqual({
      actorId: created.actorId,
      name: "counter",
      key: ["r"],
      region: "eu-west",
    });
    expect(await call(manager, created.actorId, "region")).toBe("eu-west");
    expect(await manager.getForId({ actorId: "missing" })).toBeUndefined();
  });

  test("createVars receives the driver context (VARS-3)", async () => {
    const manager = await start();
    const { actorId } = await manager.createActor({ name: "counter", key: ["ctx"] });
    expect(await call(manager, actorId, "driverContext")).toEqual({
      driver: "memory",
      namespace: "memory-test",
      actorId,
    });
  });

  test("two starts share nothing", async () => {
    const registry = fixture().registry;
    const one = await start(registry);
    const two = await start(registry);
    const created = await one.createActor({ name: "counter", key: ["iso"] });
    expect(await two.getForId({ actorId: created.actorId })).toBeUndefined();
    expect(await two.getWithKey({ name: "counter", key: ["iso"] })).toBeUndefined();
  });
});

describe("memory driver: actor-to-actor", () => {
  test("c.client() reaches another actor in process (INLINE-1)", async () => {
    const manager = await start();
    const { actorId } = await manager.createActor({ name: "counter", key: ["caller"] });
    expect(await call(manager, actorId, "readOther", ["callee"])).toEqual({
      input: "from-actor",
      count: 0,
    });
  });
});

describe("memory driver: alarms", () => {
  test("a scheduled action fires through a real timer (SCHED-1)", async () => {
    const { registry, ticked } = fixture();
    const manager = await start(registry);
    const { actorId } = await manager.createActor({ name: "counter", key: ["t"] });
    await call(manager, actorId, "scheduleTick", [5]);
    expect(await ticked).toBe("payload");
  });
});

describe("MemoryStore alarms", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  test("a new alarm replaces the previous one; clearAlarms stops every timer (DRV-4)", () => {
    vi.useFakeTimers();
    const store = new MemoryStore(() => new Uint8Array());
    const fired: string[] = [];
    store.setAlarm("a", Date.now() + 100, (id) => fired.push(`first:${id}`));
    store.setAlarm("a", Date.now() + 50, (id) => fired.push(`second:${id}`));
    store.setAlarm("b", Date.now() + 200, (id) => fired.push(`b:${id}`));
    vi.advanceTimersByTime(150);
    expect(fired).toEqual(["second:a"]);
    store.clearAlarms();
    vi.advanceTimersByTime(1_000);
    expect(fired).toEqual(["second:a"]);
    expect(vi.getTimerCount()).toBe(0);
  });

  test("delays beyond the timer limit are re-armed until due, not fired early", () => {
    vi.useFakeTimers();
    const store = new MemoryStore(() => new Uint8Array());
    const fired: number[] = [];
    const due = Date.now() + 40 * 24 * 3600 * 1000; // 40 days, past 2^31 - 1 ms
    store.setAlarm("a", due, () => fired.push(Date.now()));
    vi.advanceTimersByTime(2_147_483_647);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(due - Date.now());
    expect(fired).toEqual([due]);
    expect(() => store.setAlarm("a", Number.NaN, () => {})).toThrow(TypeError);
  });
});

/**
 * The file-system driver under the real runtime: a counter actor reached through the inline
 * client, across restarts, scheduled actions and a damaged file.
 */
import { readdir, truncate } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, onTestFinished, test, vi } from "vitest";
import { type Client, createInlineClient } from "../../runtime/client/index.ts";
import { createDriverRuntimeHelpers, type DriverStartContext } from "../../runtime/driver/index.ts";
import { type AnyActorDefinition, actor, setup } from "../../runtime/index.ts";
import { type FileSystemDriverInstance, startFileSystemDriver } from "./index.ts";
import { namespaceDir } from "./storage/layout.ts";
import { tempDir } from "./test-support.ts";

const counter = actor({
  state: { count: 0 },
  actions: {
    increment: (c, n: number) => {
      c.state.count += n;
      return c.state.count;
    },
    getCount: (c) => c.state.count,
    incrementLater: async (c, ms: number, n: number) => {
      await c.schedule.after(ms, "increment", n);
    },
  },
});
type LooseClient = Client<{ actors: Record<string, AnyActorDefinition> }>;

/** Opened by the test: the scheduled `relay` waits for it once it has started. */
let releaseRelay: () => void = () => {};
let relayGate = Promise.resolve();
let relayStarted: () => void = () => {};

const relayer = actor({
  state: {},
  actions: {
    relayLater: async (c, ms: number) => {
      await c.schedule.after(ms, "relay");
    },
    /** Scheduled: counts one on the counter ["relayed"], after the test opened the gate. */
    relay: async (c) => {
      relayStarted();
      await relayGate;
      await c.client<LooseClient>().counter.getOrCreate(["relayed"]).increment(1);
    },
  },
});
const registry = setup({ use: { counter, relayer } });

async function startDriver(dataDir: string) {
  const ctx: DriverStartContext = {
    registry,
    dataDir,
    namespace: "test",
    runtime: createDriverRuntimeHelpers(),
  };
  let instance: FileSystemDriverInstance = await startFileSystemDriver(ctx);
  onTestFinished(() => instance.stop());
  return {
    ctx,
    get instance() {
      return instance;
    },
    client: () => createInlineClient<typeof registry>(instance.manager, registry),
    async restart() {
      instance = await instance.restart();
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("restart with the runtime (RESTART-1, PERSIST-3)", () => {
  test("the same ids answer with their keys and state after restart", async () => {
    const driver = await startDriver(await tempDir());
    const a = driver.client().counter.getOrCreate(["a"]);
    const b = driver.client().counter.getOrCreate(["a", "b"]);
    expect(await a.increment(5)).toBe(5);
    expect(await b.increment(7)).toBe(7);
    const idA = await a.resolve();
    await driver.restart();
    const again = driver.client().counter.getOrCreate(["a"]);
    expect(await again.resolve()).toBe(idA);
    expect(await again.increment(1)).toBe(6);
    expect(await driver.client().counter.getOrCreate(["a", "b"]).getCount()).toBe(7);
    expect(await driver.instance.manager.getForId({ actorId: idA })).toMatchObject({
      name: "counter",
      key: ["a"],
    });
  });

  test("100 concurrent getOrCreate calls through the client resolve one actor (MGR-4)", async () => {
    const driver = await startDriver(await tempDir());
    const ids = await Promise.all(
      Array.from({ length: 100 }, () => driver.client().counter.getOrCreate(["same"]).resolve()),
    );
    expect(new Set(ids).size).toBe(1);
  });
});

describe("scheduled actions across restart (SCHED-4)", () => {
  test("a schedule that came due while stopped runs once after start, the actor never called", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const dir = await tempDir();
    const driver = await startDriver(dir);
    const handle = driver.client().counter.getOrCreate(["sched"]);
    await handle.incrementLater(3_600_000, 10);
    await driver.instance.stop();
    vi.setSystemTime(Date.now() + 7_200_000);
    await driver.restart();
    // The alarm file goes away once the driver has fired it and the runtime ran the action.
    await vi.waitFor(
      async () => expect(await readdir(join(namespaceDir(dir, "test"), "alarms"))).toEqual([]),
      {
        timeout: 5000,
      },
    );
    expect(await driver.client().counter.getOrCreate(["sched"]).getCount()).toBe(10);
    await driver.restart();
    expect(await driver.client().counter.getOrCreate(["sched"]).getCount()).toBe(10);
  });
});

describe("a graceful stop while a scheduled action runs (SCHED-4, PERSIST-7)", () => {
  test("the interrupted event is kept and runs after the next start", async () => {
    relayGate = new Promise<void>((resolve) => {
      releaseRelay = resolve;
    });
    const started = new Promise<void>((resolve) => {
      relayStarted = resolve;
    });
    const driver = await startDriver(await tempDir());
    await driver.client().relayer.getOrCreate(["r"]).relayLater(0);
    await started;
    // The stop begins while `relay` waits: its call to another actor then meets a stopped host.
    const stopping = driver.instance.stop();
    releaseRelay();
    await stopping;
    await driver.restart();
    // Never called again: only the kept event and its alarm can bring the relayer back.
    await vi.waitFor(
      async () => expect(await driver.client().counter.getOrCreate(["relayed"]).getCount()).toBe(1),
      { timeout: 5000, interval: 50 },
    );
  });
});

describe("a damaged actor file (PERSIST-5)", () => {
  test("that actor answers persisted_data_corrupt; the others keep working", async () => {
    const dir = await tempDir();
    const driver = await startDriver(dir);
    const bad = driver.client().counter.getOrCreate(["bad"]);
    await bad.increment(1);
    const badId = await bad.resolve();
    await driver.client().counter.getOrCreate(["good"]).increment(2);
    await driver.instance.stop();
    await truncate(join(namespaceDir(dir, "test"), "actors", `${badId}.actor`), 30);
    await driver.restart();
    await expect(driver.client().counter.getOrCreate(["bad"]).increment(1)).rejects.toMatchObject({
      code: "persisted_data_corrupt",
    });
    expect(await driver.client().counter.getOrCreate(["good"]).increment(1)).toBe(3);
    expect(await driver.client().counter.getOrCreate(["new"]).increment(1)).toBe(1);
  });
});

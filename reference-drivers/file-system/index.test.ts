/**
 * The driver's own promises, with a recording stand-in for the runtime's local actor host: the
 * manifest, restart, alarms re-armed at start, and corruption confined to one actor.
 */
import { access, readdir, truncate } from "node:fs/promises";
import { join } from "node:path";
import { encode } from "cbor-x";
import { afterEach, describe, expect, onTestFinished, test, vi } from "vitest";
import type { ActorDriver } from "../../runtime/driver/actor-driver.ts";
import type { DriverStartContext } from "../../runtime/driver/define-driver.ts";
import type {
  LocalActorHost,
  LocalActorHostOptions,
} from "../../runtime/driver/local-actor-host.ts";
import fileSystemDriver, { type FileSystemDriverInstance, startFileSystemDriver } from "./index.ts";
import { namespaceDir } from "./storage/layout.ts";
import { tempDir } from "./test-support.ts";

// Deadlines keep real time even while a test fakes the clock.
const realSetTimeout = globalThis.setTimeout;
const clearRealTimeout = globalThis.clearTimeout;

/** A LocalActorHost that records alarms and stops; routing is not exercised here. */
class RecordingHost implements LocalActorHost {
  readonly fired: string[] = [];
  stopped = false;
  failAlarms = false;
  #waiters: (() => void)[] = [];

  constructor(readonly options: LocalActorHostOptions) {}

  get actorDriver(): ActorDriver {
    return this.options.actorDriver;
  }

  /** Resolves once `count` alarms have fired on this host; rejects after 5 s of real time. */
  firedCount(count: number): Promise<void> {
    if (this.fired.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const deadline = realSetTimeout(
        () =>
          reject(
            new Error(`expected ${count} alarm(s) to fire within 5 s, got ${this.fired.length}`),
          ),
        5000,
      );
      this.#waiters.push(() => {
        if (this.fired.length < count) return;
        clearRealTimeout(deadline);
        resolve();
      });
    });
  }

  async fireAlarm(actorId: string): Promise<void> {
    this.fired.push(actorId);
    for (const wake of this.#waiters) wake();
    if (this.failAlarms) throw new Error("actor start failed");
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  sendRequest = unsupported;
  openWebSocket = unsupported;
  proxyRequest = unsupported;
  proxyWebSocket = unsupported;
  loadActor = unsupported;
}

function unsupported(): never {
  throw new Error("routing is not part of these tests");
}

async function startDriver(dataDir: string) {
  const hosts: RecordingHost[] = [];
  const ctx = {
    registry: { actors: {} },
    dataDir,
    namespace: "test",
    runtime: {
      createLocalActorHost(options: LocalActorHostOptions) {
        const host = new RecordingHost(options);
        hosts.push(host);
        return host;
      },
      createInitialPersistedData: (input: unknown) => Uint8Array.from(encode({ input })),
    },
  } as unknown as DriverStartContext;
  let instance = await startFileSystemDriver(ctx);
  onTestFinished(() => instance.stop());
  const host = () => hosts[hosts.length - 1];
  const restart = async (): Promise<FileSystemDriverInstance> => {
    instance = await instance.restart();
    return instance;
  };
  return {
    get instance() {
      return instance;
    },
    host,
    hosts,
    restart,
    ctx,
  };
}

const bytes = (text: string) => new TextEncoder().encode(text);

afterEach(() => {
  vi.useRealTimers();
});

describe("module (DRV-1, DRV-3)", () => {
  test("the default export is a valid, durable definition with every capability", () => {
    expect(fileSystemDriver.name).toBe("file-system");
    expect(fileSystemDriver.contractVersion).toBe(1);
    expect(fileSystemDriver.capabilities).toEqual({
      websocket: true,
      sse: true,
      schedule: true,
      durable: true,
      sleep: true,
    });
    expect(fileSystemDriver.start).toBe(startFileSystemDriver);
  });
});

describe("restart (RESTART-1)", () => {
  test("ids, names, keys, regions and state survive restart; the old instance is closed", async () => {
    const driver = await startDriver(await tempDir());
    const old = driver.instance;
    const a = await old.manager.createActor({
      name: "counter",
      key: ["a"],
      input: 1,
      region: "eu",
    });
    const b = await old.manager.getOrCreateWithKey({ name: "counter", key: [] });
    await driver.host().actorDriver.writePersistedData(a.actorId, bytes("state of a"));
    const oldHost = driver.host();
    const next = await driver.restart();
    expect(oldHost.stopped).toBe(true);
    expect(driver.hosts).toHaveLength(2);
    expect(await next.manager.getForId({ actorId: a.actorId })).toEqual(a);
    expect(a.region).toBe("eu");
    expect(await next.manager.getWithKey({ name: "counter", key: [] })).toEqual(b);
    expect(await driver.host().actorDriver.readPersistedData(a.actorId)).toEqual(
      bytes("state of a"),
    );
    expect(await driver.host().actorDriver.readPersistedData(b.actorId)).toEqual(
      Uint8Array.from(encode({ input: undefined })),
    );
    await expect(old.manager.getForId({ actorId: a.actorId })).rejects.toThrow(/closed/);
  });

  test("stop releases the data directory: the lock is gone and a new start succeeds", async () => {
    const dir = await tempDir();
    const driver = await startDriver(dir);
    await driver.instance.stop();
    await expect(access(join(namespaceDir(dir, "test"), "LOCK"))).rejects.toMatchObject({
      code: "ENOENT",
    });
    const again = await startFileSystemDriver(driver.ctx);
    await again.stop();
  });
});

describe("manager (MGR-2, MGR-4, MGR-5)", () => {
  test("100 concurrent getOrCreateWithKey calls resolve one actor", async () => {
    const dir = await tempDir();
    const { instance } = await startDriver(dir);
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        instance.manager.getOrCreateWithKey({ name: "counter", key: ["k"], input: i }),
      ),
    );
    expect(new Set(results.map((r) => r.actorId)).size).toBe(1);
    expect(await readdir(join(namespaceDir(dir, "test"), "actors"))).toHaveLength(1);
  });

  test("createActor on a taken key rejects actor_already_exists; unknown ids are undefined", async () => {
    const { instance } = await startDriver(await tempDir());
    await instance.manager.createActor({ name: "counter", key: ["k"] });
    await expect(
      instance.manager.createActor({ name: "counter", key: ["k"] }),
    ).rejects.toMatchObject({
      code: "actor_already_exists",
    });
    expect(await instance.manager.getForId({ actorId: "../../etc/passwd" })).toBeUndefined();
    expect(await instance.manager.getWithKey({ name: "counter", key: ["k", ""] })).toBeUndefined();
  });
});

describe("corruption (PERSIST-5)", () => {
  test("a damaged actor file fails that actor only; the start succeeds", async () => {
    const dir = await tempDir();
    const driver = await startDriver(dir);
    const bad = await driver.instance.manager.createActor({ name: "counter", key: ["bad"] });
    const good = await driver.instance.manager.createActor({ name: "counter", key: ["good"] });
    await driver.instance.stop();
    await truncate(join(namespaceDir(dir, "test"), "actors", `${bad.actorId}.actor`), 20);
    const next = await startFileSystemDriver(driver.ctx);
    onTestFinished(() => next.stop());
    const corrupt = {
      code: "persisted_data_corrupt",
      metadata: expect.objectContaining({ actorId: bad.actorId }),
    };
    await expect(next.manager.getForId({ actorId: bad.actorId })).rejects.toMatchObject(corrupt);
    await expect(driver.host().actorDriver.readPersistedData(bad.actorId)).rejects.toMatchObject(
      corrupt,
    );
    expect(await next.manager.getForId({ actorId: good.actorId })).toEqual(good);
    await driver.host().actorDriver.writePersistedData(good.actorId, bytes("fine"));
    expect(await driver.host().actorDriver.readPersistedData(good.actorId)).toEqual(bytes("fine"));
  });
});

describe("alarms (SCHED-4)", () => {
  const HOUR = 3_600_000;

  test("an alarm that came due while the driver was down fires once after start, unloaded", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const dir = await tempDir();
    const driver = await startDriver(dir);
    const actor = await driver.instance.manager.createActor({ name: "counter", key: ["a"] });
    await driver.host().actorDriver.setAlarm(actor.actorId, Date.now() + HOUR);
    await driver.instance.stop();
    vi.setSystemTime(Date.now() + 2 * HOUR); // the driver was down past the due time
    await driver.restart();
    await driver.host().firedCount(1);
    expect(driver.host().fired).toEqual([actor.actorId]);
    // Stopping waits for the fire to settle, which forgets the alarm: a later start fires nothing.
    await driver.instance.stop();
    expect(await readdir(join(namespaceDir(dir, "test"), "alarms"))).toEqual([]);
    await driver.restart();
    expect(driver.host().fired).toEqual([]);
  });

  test("a future alarm is re-armed at start and fires without the actor being loaded", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    const driver = await startDriver(await tempDir());
    const actor = await driver.instance.manager.createActor({ name: "counter", key: ["a"] });
    await driver.host().actorDriver.setAlarm(actor.actorId, Date.now() + HOUR);
    await driver.restart();
    await vi.advanceTimersByTimeAsync(HOUR - 1000);
    expect(driver.host().fired).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000);
    await driver.host().firedCount(1);
    expect(driver.host().fired).toEqual([actor.actorId]);
  });

  test("a later setAlarm replaces the earlier one; a stopped driver fires nothing", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout"] });
    const driver = await startDriver(await tempDir());
    const actor = await driver.instance.manager.createActor({ name: "counter", key: ["a"] });
    const { actorDriver } = driver.host();
    await actorDriver.setAlarm(actor.actorId, Date.now() + 1000);
    await actorDriver.setAlarm(actor.actorId, Date.now() + 5000);
    await vi.advanceTimersByTimeAsync(2000);
    expect(driver.host().fired).toEqual([]);
    const host = driver.host();
    await driver.instance.stop();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(host.fired).toEqual([]);
  });

  test("an alarm whose fire fails stays on disk and fires again at the next start", async () => {
    const dir = await tempDir();
    const driver = await startDriver(dir);
    const actor = await driver.instance.manager.createActor({ name: "counter", key: ["a"] });
    driver.host().failAlarms = true;
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    onTestFinished(() => warn.mockRestore());
    await driver.host().actorDriver.setAlarm(actor.actorId, Date.now() - 1);
    await driver.host().firedCount(1);
    await driver.instance.stop();
    expect(await readdir(join(namespaceDir(dir, "test"), "alarms"))).toEqual([
      `${actor.actorId}.alarm`,
    ]);
    await driver.restart();
    await driver.host().firedCount(1);
    expect(driver.host().fired).toEqual([actor.actorId]);
  });
});

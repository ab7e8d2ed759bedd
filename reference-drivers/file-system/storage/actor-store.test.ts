import { randomUUID } from "node:crypto";
import { readFile, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, onTestFinished, test } from "vitest";
import { HOSTILE_KEYS, tempDir, walk } from "../test-support.ts";
import { ActorStore } from "./actor-store.ts";
import { writeFileAtomic } from "./atomic-file.ts";
import { encodeActorRecord } from "./records.ts";

async function openStore(dir: string): Promise<ActorStore> {
  const store = await ActorStore.open(dir);
  onTestFinished(() => store.close());
  return store;
}

const bytes = (text: string) => new TextEncoder().encode(text);

function create(store: ActorStore, name: string, key: string[], data = "init", mustCreate = false) {
  return store.getOrCreate({ name, key }, () => bytes(data), mustCreate).then((r) => r.actor);
}

describe("creation and lookup (MGR-1..MGR-5)", () => {
  test("100 concurrent getOrCreate calls on one key make one actor and one actor file (MGR-4)", async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    const results = await Promise.all(
      Array.from({ length: 100 }, () => create(store, "counter", ["k"])),
    );
    expect(new Set(results.map((a) => a.actorId)).size).toBe(1);
    const files = await walk(dir);
    expect(files.filter((f) => f.startsWith("actors"))).toHaveLength(1);
    expect(files.filter((f) => f.startsWith("keys"))).toHaveLength(1);
  });

  test("createActor on a taken key rejects actor_already_exists and keeps the actor (MGR-5)", async () => {
    const store = await openStore(await tempDir());
    const first = await create(store, "counter", ["k"], "first", true);
    await expect(create(store, "counter", ["k"], "second", true)).rejects.toMatchObject({
      code: "actor_already_exists",
    });
    expect(await store.readPersistedData(first.actorId)).toEqual(bytes("first"));
  });

  test("unknown and invalid ids are misses, never errors or paths (MGR-2)", async () => {
    const store = await openStore(await tempDir());
    for (const id of [randomUUID(), "../keys", "a\u0000", ""]) {
      expect(await store.getActor(id)).toBeUndefined();
      expect(await store.readPersistedData(id)).toBeUndefined();
      await expect(store.writePersistedData(id, bytes("x"))).rejects.toMatchObject({
        code: "actor_not_found",
      });
    }
    expect(await store.findByKey("counter", ["none"])).toBeUndefined();
  });

  test("hostile names and keys make distinct actors, all files inside the data dir (KEY-1..KEY-4)", async () => {
    const dir = await tempDir();
    const store = await openStore(dir);
    const ids = new Set<string>();
    for (const [name, key] of HOSTILE_KEYS) ids.add((await create(store, name, key)).actorId);
    expect(ids.size).toBe(HOSTILE_KEYS.length);
    for (const [name, key] of HOSTILE_KEYS) {
      const found = await store.findByKey(name, key);
      expect(found).toMatchObject({ name, key });
    }
    const files = await walk(dir);
    for (const file of files)
      expect(file).toMatch(/^(LOCK|(actors|keys)\/[0-9a-f-]+\.(actor|key))$/);
    expect(files).toHaveLength(1 + 2 * HOSTILE_KEYS.length);
  });
});

describe("durability across reopen (PERSIST-3, RESTART-1)", () => {
  test("ids, keys, region and bytes survive close and reopen", async () => {
    const dir = await tempDir();
    const first = await ActorStore.open(dir);
    const actor = (
      await first.getOrCreate({ name: "c", key: ["a", "b"], region: "eu" }, () => bytes("0"), true)
    ).actor;
    await first.writePersistedData(actor.actorId, bytes("42"));
    await first.close();
    const second = await openStore(dir);
    expect(await second.findByKey("c", ["a", "b"])).toEqual(actor);
    expect(await second.getActor(actor.actorId)).toEqual(actor);
    expect(await second.readPersistedData(actor.actorId)).toEqual(bytes("42"));
  });

  test("an actor file without its key entry (crash mid-create) gets its entry rebuilt at open", async () => {
    const dir = await tempDir();
    const store = await ActorStore.open(dir);
    const kept = await create(store, "c", ["kept"]);
    const orphanId = randomUUID();
    await writeFileAtomic(
      store.layout.actorFile(orphanId)!,
      encodeActorRecord({
        id: orphanId,
        name: "c",
        key: ["lost"],
        createdAt: 1,
        persistedData: bytes("x"),
      }),
    );
    await writeFile(join(store.layout.keysDir, ".x.key.00.tmp"), "half a write");
    await store.close();
    const reopened = await openStore(dir);
    expect(reopened.report.rebuiltKeyEntries).toEqual([orphanId]);
    expect(reopened.report.unindexedActors).toEqual([]);
    expect(reopened.report.removedTempFiles).toBe(1);
    expect(await reopened.findByKey("c", ["lost"])).toMatchObject({ actorId: orphanId });
    expect(await reopened.readPersistedData(orphanId)).toEqual(bytes("x"));
    expect(await reopened.getActor(kept.actorId)).toEqual(kept);
  });

  test("a deleted key-index file loses neither the actor nor its state nor its alarm", async () => {
    const dir = await tempDir();
    const first = await ActorStore.open(dir);
    const actor = await create(first, "c", ["k"]);
    await first.writePersistedData(actor.actorId, bytes("state 7"));
    await first.writeAlarm(actor.actorId, 12_345);
    await first.close();
    await rm(first.layout.keyFile("c", ["k"]));
    const second = await ActorStore.open(dir);
    expect(second.report.rebuiltKeyEntries).toEqual([actor.actorId]);
    expect(second.report.alarms).toEqual([{ actorId: actor.actorId, at: 12_345 }]);
    expect(await second.getActor(actor.actorId)).toEqual(actor);
    expect(await second.findByKey("c", ["k"])).toEqual(actor);
    expect(await create(second, "c", ["k"]), "getOrCreate finds it, makes no new actor").toEqual(
      actor,
    );
    await second.close();
    const third = await openStore(dir);
    expect(third.report.rebuiltKeyEntries, "the rebuilt entry is durable").toEqual([]);
    expect(await third.readPersistedData(actor.actorId)).toEqual(bytes("state 7"));
  });

  test("an unindexed actor whose key another actor holds is kept and reported, not deleted", async () => {
    const dir = await tempDir();
    const store = await ActorStore.open(dir);
    const holder = await create(store, "c", ["k"]);
    const strayId = randomUUID();
    await writeFileAtomic(
      store.layout.actorFile(strayId)!,
      encodeActorRecord({
        id: strayId,
        name: "c",
        key: ["k"],
        createdAt: 1,
        persistedData: bytes("y"),
      }),
    );
    await store.close();
    const reopened = await openStore(dir);
    expect(reopened.report.rebuiltKeyEntries).toEqual([]);
    expect(reopened.report.unindexedActors).toEqual([
      { actorId: strayId, reason: expect.stringMatching(/names another actor/) },
    ]);
    expect(await reopened.findByKey("c", ["k"])).toEqual(holder);
    expect(await reopened.readPersistedData(strayId)).toEqual(bytes("y"));
  });
});

describe("corruption is confined to its actor (PERSIST-5)", () => {
  async function twoActors() {
    const dir = await tempDir();
    const first = await ActorStore.open(dir);
    const bad = await create(first, "c", ["bad"], "bad state");
    const good = await create(first, "c", ["good"], "good state");
    await first.close();
    return { dir, bad, good, path: first.layout.actorFile(bad.actorId)! };
  }

  async function expectOnlyBadBroken(
    dir: string,
    bad: { actorId: string },
    good: { actorId: string },
  ) {
    const store = await openStore(dir); // the open itself must not fail
    const error = {
      code: "persisted_data_corrupt",
      metadata: expect.objectContaining({ actorId: bad.actorId }),
    };
    await expect(store.readPersistedData(bad.actorId)).rejects.toMatchObject(error);
    await expect(store.getActor(bad.actorId)).rejects.toMatchObject(error);
    await expect(store.findByKey("c", ["bad"])).rejects.toMatchObject(error);
    await expect(store.writePersistedData(bad.actorId, bytes("x"))).rejects.toMatchObject(error);
    expect(await store.readPersistedData(good.actorId)).toEqual(bytes("good state"));
    await store.writePersistedData(good.actorId, bytes("still fine"));
    expect(await store.readPersistedData(good.actorId)).toEqual(bytes("still fine"));
    expect((await create(store, "c", ["new"])).actorId).toBeTruthy();
  }

  test("a truncated actor file", async () => {
    const { dir, bad, good, path } = await twoActors();
    await truncate(path, 50);
    await expectOnlyBadBroken(dir, bad, good);
  });

  test("a flipped byte in an actor file", async () => {
    const { dir, bad, good, path } = await twoActors();
    const content = await readFile(path);
    content[content.length - 3] ^= 0xff;
    await writeFile(path, content);
    await expectOnlyBadBroken(dir, bad, good);
  });

  test("an empty actor file", async () => {
    const { dir, bad, good, path } = await twoActors();
    await truncate(path, 0);
    await expectOnlyBadBroken(dir, bad, good);
  });

  test("a damaged key entry fails that key only and its actor file is kept", async () => {
    const dir = await tempDir();
    const first = await ActorStore.open(dir);
    const bad = await create(first, "c", ["bad"]);
    const good = await create(first, "c", ["good"]);
    await first.close();
    await truncate(first.layout.keyFile("c", ["bad"]), 10);
    const store = await openStore(dir);
    expect(store.report.unindexedActors).toEqual([
      { actorId: bad.actorId, reason: expect.stringMatching(/damaged/) },
    ]);
    await expect(store.findByKey("c", ["bad"])).rejects.toMatchObject({
      code: "persisted_data_corrupt",
    });
    await expect(create(store, "c", ["bad"])).rejects.toMatchObject({
      code: "persisted_data_corrupt",
    });
    expect(await store.getActor(bad.actorId)).toEqual(bad);
    expect(await store.findByKey("c", ["good"])).toEqual(good);
  });

  test("a key entry whose actor file is gone is corrupt, not silently recreated", async () => {
    const dir = await tempDir();
    const first = await ActorStore.open(dir);
    const actor = await create(first, "c", ["k"]);
    await first.close();
    await rm(first.layout.actorFile(actor.actorId)!);
    const store = await openStore(dir);
    await expect(store.findByKey("c", ["k"])).rejects.toMatchObject({
      code: "persisted_data_corrupt",
    });
    await expect(create(store, "c", ["k"])).rejects.toMatchObject({
      code: "persisted_data_corrupt",
    });
  });
});

describe("alarms on disk (SCHED-4)", () => {
  test("a written alarm is listed at the next open; removeAlarm keeps a newer one", async () => {
    const dir = await tempDir();
    const first = await ActorStore.open(dir);
    const a = await create(first, "c", ["a"]);
    const b = await create(first, "c", ["b"]);
    await first.writeAlarm(a.actorId, 1000);
    await first.writeAlarm(b.actorId, 2000);
    await first.removeAlarm(b.actorId, 1999); // stale removal: b was re-armed for 2000
    await first.close();
    const second = await ActorStore.open(dir);
    expect(second.report.alarms).toEqual(
      expect.arrayContaining([
        { actorId: a.actorId, at: 1000 },
        { actorId: b.actorId, at: 2000 },
      ]),
    );
    await second.removeAlarm(a.actorId, 1000);
    await second.close();
    const third = await openStore(dir);
    expect(third.report.alarms).toEqual([{ actorId: b.actorId, at: 2000 }]);
  });

  test("a damaged alarm file is reported due now (at 0), so it fires rather than vanishes", async () => {
    const dir = await tempDir();
    const first = await ActorStore.open(dir);
    const a = await create(first, "c", ["a"]);
    await first.writeAlarm(a.actorId, Date.now() + 60_000);
    await first.close();
    await truncate(first.layout.alarmFile(a.actorId)!, 5);
    const store = await openStore(dir);
    expect(store.report.alarms).toEqual([{ actorId: a.actorId, at: 0 }]);
  });
});

describe("one owner per data directory", () => {
  test("a second open is refused while the first holds the directory, allowed after close", async () => {
    const dir = await tempDir();
    const first = await ActorStore.open(dir);
    await expect(ActorStore.open(dir)).rejects.toThrow(/in use by another driver instance/);
    await first.close();
    const second = await openStore(dir);
    expect(second.report.rebuiltKeyEntries).toEqual([]);
  });

  test("a write racing close() lands before close resolves or not at all", async () => {
    const store = await ActorStore.open(await tempDir());
    const actor = await create(store, "c", ["a"], "before");
    const path = store.layout.actorFile(actor.actorId)!;
    // Either outcome is allowed; the handler is attached now so a rejection during close() is
    // not reported as unhandled.
    const write = store.writePersistedData(actor.actorId, bytes("racing")).catch(() => {});
    await store.close();
    const atClose = await readFile(path);
    await write;
    expect(await readFile(path)).toEqual(atClose);
  });

  test("a closed store rejects later calls", async () => {
    const store = await ActorStore.open(await tempDir());
    const actor = await create(store, "c", ["a"]);
    await store.close();
    await expect(store.writePersistedData(actor.actorId, bytes("x"))).rejects.toThrow(/closed/);
  });
});

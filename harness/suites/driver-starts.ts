/**
 * Driver-starts suite: what one start of a driver owes the next. Starts with different
 * namespaces on one data directory never see each other's actors (MGR-9); `restart()` and
 * `stop()` write the state the runtime still holds, and nothing is written once `stop()`
 * resolved (PERSIST-8, capability `durable`). State "changed outside an action" comes from
 * `crashLedger`'s raw `POST /unsaved`, which no save follows until the driver stops.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { LedgerView } from "../fixtures/core/crash-ledger.ts";
import { defineSuite } from "../suite-api.ts";
import { newNamespace, type TestContext } from "../test-context.ts";
import { clientOf, show } from "./core-support.ts";

/** How long the data directory must stay unchanged after `stop()` resolved (ms). */
const QUIET_AFTER_STOP_MS = 500;

/** Every file under `dir` with the SHA-256 of its bytes, sorted by path; {} when it is gone. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const bytes = await readFile(path).catch(() => undefined);
    out[path.slice(dir.length)] = bytes
      ? createHash("sha256").update(bytes).digest("hex")
      : "(vanished)";
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Sets `unsaved` on `crashLedger[key]` through raw HTTP (outside any action, no save). */
async function writeOutsideAction(t: TestContext, key: string[], n: number): Promise<void> {
  const response = (await t.step(
    `POST /unsaved?n=${n} to crashLedger${show(key)}`,
    clientOf(t).crashLedger.getOrCreate(key).fetch(`/unsaved?n=${n}`, { method: "POST" }),
  )) as Response;
  t.expect(response.status, "the raw write is answered").toBe(200);
}

async function unsavedOf(t: TestContext, key: string[]): Promise<number> {
  const view = (await t.step(
    `read crashLedger${show(key)}`,
    clientOf(t).crashLedger.get(key).read(),
  )) as LedgerView;
  return view.unsaved;
}

export const driverStartsSuite = defineSuite("driver-starts", (s) => {
  s.test({
    id: "namespaces-isolated",
    title:
      "a start under another namespace on the same data directory sees none of the first one's ids or keys",
    clause: "MGR-9",
    timeoutMs: 30_000,
    run: async (t) => {
      const keys = [t.uniqueKey("ns-a"), t.uniqueKey("ns-b")];
      const ids: string[] = [];
      for (const [i, key] of keys.entries()) {
        const handle = t.client.counter.getOrCreate(key);
        await t.step(`+${i + 5} at ${show(key)}`, handle.increment(i + 5));
        ids.push(await t.step(`resolve ${show(key)}`, handle.resolve()));
      }
      await t.step("stop the first start", t.driver.stop());
      const other = await t.startSibling(newNamespace());
      for (const [i, key] of keys.entries()) {
        t.expect(
          await t.step(
            "getForId under the other namespace",
            other.manager.getForId({ actorId: ids[i] }),
          ),
          `actor ${ids[i]} of the first namespace is unknown under the second`,
        ).toBeUndefined();
        t.expect(
          await t.step(
            "getWithKey under the other namespace",
            other.manager.getWithKey({ name: "counter", key }),
          ),
          `key ${show(key)} is free under the second namespace`,
        ).toBeUndefined();
        const made = await t.step(
          "getOrCreateWithKey under the other namespace",
          other.manager.getOrCreateWithKey({ name: "counter", key }),
        );
        t.expect(made.actorId, "a new actor, not the first namespace's").not.toBe(ids[i]);
      }
      await t.step("stop the second start", other.stop());
      if (!t.capabilities.durable) return;
      // The first namespace again: its actors, unchanged by what the second one created.
      await t.restart({ downMs: 0 });
      for (const [i, key] of keys.entries()) {
        t.expect(
          await t.step(`resolve ${show(key)} again`, t.client.counter.get(key).resolve()),
        ).toBe(ids[i]);
        t.expect(await t.step("count", t.client.counter.get(key).getCount())).toBe(i + 5);
      }
    },
  });

  s.test({
    id: "restart-keeps-state-changed-outside-actions",
    title:
      "state changed outside an action, not yet saved, is there after an immediate restart() and after stop() and start",
    clause: "PERSIST-8",
    requires: ["durable"],
    timeoutMs: 30_000,
    run: async (t) => {
      const keys = [t.uniqueKey("unsaved-a"), t.uniqueKey("unsaved-b")];
      await writeOutsideAction(t, keys[0], 7);
      await writeOutsideAction(t, keys[1], 9);
      await t.restart();
      t.expect(
        [await unsavedOf(t, keys[0]), await unsavedOf(t, keys[1])],
        "after restart()",
      ).toEqual([7, 9]);
      await writeOutsideAction(t, keys[0], 8);
      await t.restart({ downMs: 0 });
      t.expect(await unsavedOf(t, keys[0]), "after stop() and start(ctx)").toBe(8);
    },
  });

  s.test({
    id: "nothing-written-after-stop",
    title: "once stop() resolved the driver writes nothing more, and what it wrote is complete",
    clause: "PERSIST-8",
    requires: ["durable"],
    timeoutMs: 30_000,
    run: async (t) => {
      const keys = [t.uniqueKey("quiet-a"), t.uniqueKey("quiet-b")];
      await writeOutsideAction(t, keys[0], 3);
      await writeOutsideAction(t, keys[1], 4);
      await t.step("stop", t.driver.stop());
      const before = await snapshot(t.dataDir);
      await new Promise((resolve) => setTimeout(resolve, QUIET_AFTER_STOP_MS));
      const after = await snapshot(t.dataDir);
      t.expect(
        after,
        `files under the data directory ${QUIET_AFTER_STOP_MS} ms after stop() resolved`,
      ).toEqual(before);
      await t.restart({ downMs: 0 });
      t.expect(
        [await unsavedOf(t, keys[0]), await unsavedOf(t, keys[1])],
        "the final saves",
      ).toEqual([3, 4]);
    },
  });
});

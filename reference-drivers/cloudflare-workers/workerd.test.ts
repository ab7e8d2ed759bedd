/**
 * The Cloudflare Workers driver against real workerd, for what the certification suites cannot
 * see from outside: a per-start workerd disposed by restart() fires a held alarm by itself on the
 * new one, and an id of another namespace sharing the workerd is a miss, never an error.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import registry from "../../harness/fixtures/registry.ts";
import { FIXTURE_REGISTRY_MODULE } from "../../harness/runtime-bindings.ts";
import {
  createDriverRuntimeHelpers,
  type DriverInstance,
  type ManagerDriver,
} from "../../runtime/driver/index.ts";
import { startCloudflareWorkersDriver } from "./index.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function start(namespace: string, runtime: "shared" | "per-start", dataDir?: string) {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), "driver-cert-cf-")));
  dirs.push(dir);
  const ctx = {
    registry,
    registryModule: FIXTURE_REGISTRY_MODULE,
    dataDir: dir,
    namespace,
    runtime: createDriverRuntimeHelpers(),
  };
  return startCloudflareWorkersDriver(ctx, { runtime });
}

async function call(manager: ManagerDriver, actorId: string, action: string, args: unknown[] = []) {
  const response = await manager.sendRequest(
    actorId,
    new Request(`http://actor/action/${action}`, {
      method: "POST",
      headers: { "x-actor-encoding": "json", "content-type": "application/json" },
      body: JSON.stringify({ args }),
    }),
  );
  const body = (await response.json()) as { output?: unknown };
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.output;
}

describe("cloudflare-workers driver under workerd", () => {
  test("per-start: restart() disposes workerd; the held alarm fires by itself on the new one", async () => {
    const first: DriverInstance = await start(`dc-cf-${Date.now()}`, "per-start");
    const made = await first.manager.getOrCreateWithKey({ name: "scheduled", key: ["alarm"] });
    const dueAt = (await call(first.manager, made.actorId, "scheduleAfter", [
      "held",
      1500,
    ])) as number;
    const second = await first.restart!();
    try {
      // Not called meanwhile: the run must already be in the history when we look.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, dueAt - Date.now()) + 1500));
      const lookedAt = Date.now();
      const history = (await call(second.manager, made.actorId, "getHistory")) as {
        id: string;
        ranAt: number;
      }[];
      expect(history.map((run) => run.id)).toEqual(["held"]);
      expect(history[0].ranAt).toBeGreaterThanOrEqual(dueAt);
      expect(history[0].ranAt).toBeLessThan(lookedAt);
    } finally {
      await second.stop();
    }
  });

  test("shared: an id of another namespace, or of no shape, is a miss", async () => {
    const a = await start(`dc-cf-a-${Date.now()}`, "shared");
    const b = await start(`dc-cf-b-${Date.now()}`, "shared");
    try {
      const made = await a.manager.getOrCreateWithKey({ name: "counter", key: ["k"] });
      expect(await a.manager.getForId({ actorId: made.actorId })).toEqual(made);
      expect(await b.manager.getForId({ actorId: made.actorId })).toBeUndefined();
      for (const actorId of ["", "nope", "0".repeat(64), made.actorId.toUpperCase()]) {
        expect(await a.manager.getForId({ actorId })).toBeUndefined();
      }
      // The same name and key in namespace b is another actor.
      const other = await b.manager.getOrCreateWithKey({ name: "counter", key: ["k"] });
      expect(other.actorId).not.toBe(made.actorId);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

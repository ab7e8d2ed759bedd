/**
 * The Cloudflare Workers driver: every actor is a SQLite-backed Durable Object running under
 * workerd (through miniflare's Node API), holding its state and its one alarm; the manager stays
 * in the calling process and reaches the Worker over loopback HTTP and WebSocket.
 *
 * Module scope does nothing but define: esbuild, miniflare and workerd load inside `start()`
 * (the harness's import-purity check holds every driver to that, and workerd to the same rule).
 */
import { join } from "node:path";
import {
  type DriverDefinition,
  type DriverInstance,
  type DriverStartContext,
  defineDriver,
} from "../../runtime/driver/index.ts";
import { bundleWorker, DEFAULT_WORKER_ENTRY } from "./bundle.ts";
import { createWorkersManager } from "./manager.ts";
import { acquireOwn, acquireShared, type RuntimeLease } from "./runtime-pool.ts";
import { namespacePath } from "./wire.ts";

/** How a start gets its workerd; see runtime-pool.ts. */
export type RuntimeMode = "shared" | "per-start";

export interface CloudflareWorkersOptions {
  /** `shared` (default): one workerd per process, runs apart by namespace; `per-start`: one each. */
  runtime?: RuntimeMode;
  /**
   * The Worker entry module (`file:` URL or path) to bundle instead of worker/entry.ts: one that
   * calls `createWorker(registry, parts)` with parts of its own.
   */
  workerEntry?: string;
}

/**
 * Starts the driver for `ctx`: bundles the Worker with `ctx.registryModule` (once per process),
 * gets a workerd, and resumes the namespace (alarms held by an earlier stop are re-armed, SCHED-4).
 * Throws a TypeError when `ctx.registryModule` is missing; rejects with esbuild's or miniflare's
 * error when the Worker cannot be built or started.
 */
export async function startCloudflareWorkersDriver(
  ctx: DriverStartContext,
  options: CloudflareWorkersOptions = {},
): Promise<DriverInstance> {
  const registryModule = ctx.registryModule;
  if (registryModule === undefined) {
    throw new TypeError(
      "the cloudflare-workers driver needs ctx.registryModule: the file: URL of a module whose default export is the registry",
    );
  }
  const entry = options.workerEntry ?? DEFAULT_WORKER_ENTRY;
  const mode = options.runtime ?? "shared";
  const lease: RuntimeLease =
    mode === "shared"
      ? await acquireShared(
          `${entry}\n${registryModule}`,
          () => bundleWorker(entry, registryModule),
          join(ctx.dataDir, "workerd"),
        )
      : await acquireOwn(bundleWorker(entry, registryModule), join(ctx.dataDir, "workerd"));

  const post = async (path: string, body?: string) => {
    const response = await fetch(new URL(`${namespacePath(ctx.namespace)}${path}`, lease.url), {
      method: "POST",
      body,
    });
    const text = await response.text();
    if (!response.ok)
      throw new Error(`cloudflare-workers driver: ${path} failed: HTTP ${response.status} ${text}`);
  };

  try {
    await post("/start");
  } catch (error) {
    await lease.release();
    throw error;
  }

  let stopped = false;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      stopped = true;
      try {
        // Final saves, connections closed, alarms held for the next start (DRV-4).
        await post("/stop");
      } finally {
        await lease.release();
      }
    })());

  return {
    manager: createWorkersManager({
      url: lease.url,
      namespace: ctx.namespace,
      createInitialPersistedData: (input) => ctx.runtime.createInitialPersistedData(input),
      stopped: () => stopped,
    }),
    stop,
    async restart() {
      await stop();
      return startCloudflareWorkersDriver(ctx, options);
    },
    // PERSIST-5 test hook: half the actor's bytes, under the old checksum.
    async damagePersistedData(actorId) {
      await post(`/actors/${encodeURIComponent(actorId)}/damage`);
    },
    // PERSIST-9 test hook: the actor's writes reject while `fail` holds; the bytes stay.
    async failPersistedWrites(actorId, fail) {
      await post(`/actors/${encodeURIComponent(actorId)}/fail-writes`, fail ? "1" : "0");
    },
  };
}

/** A definition of this driver with `options` (the default export uses the defaults). */
export function defineCloudflareWorkersDriver(
  name: string,
  options: CloudflareWorkersOptions = {},
): DriverDefinition {
  return defineDriver({
    name,
    contractVersion: 1,
    capabilities: { websocket: true, sse: true, schedule: true, durable: true },
    start: (ctx) => startCloudflareWorkersDriver(ctx, options),
  });
}

export default defineCloudflareWorkersDriver("cloudflare-workers");

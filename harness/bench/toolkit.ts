/**
 * Starts a driver for a bench: the driver hosting the bench registry, the manager router served
 * on loopback, and public clients pointed at it. Everything opened is closed by `close()`, so
 * the bench process exits on its own. Used by `npm run bench` and `driver-cert bench` alike.
 */
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient } from "../../runtime/client/index.ts";
import type {
  DriverDefinition,
  DriverInstance,
  ManagerDriver,
} from "../../runtime/driver/index.ts";
import { createDriverRuntimeHelpers } from "../../runtime/driver/index.ts";
import { serveManager } from "../../runtime/routing/node-server.ts";
import { packageModuleUrl } from "../package-info.ts";
import { within } from "./measure.ts";
import { type BenchRegistry, benchRegistry } from "./registry.ts";

/** A public client of the bench registry. */
export type BenchClient = Client<BenchRegistry>;

/** The wire encodings a bench path uses. */
export type BenchEncoding = "json" | "cbor";

/** How long a driver's `start(ctx)` or `restart()` may take in a bench, in ms. */
export const BENCH_START_TIMEOUT_MS = 30_000;

/** The `file:` URL of the bench registry module, handed to drivers as `ctx.registryModule`. */
const BENCH_REGISTRY_MODULE = packageModuleUrl("./registry.ts", import.meta.url).href;

/** A driver started for a bench, with the manager router listening on 127.0.0.1. */
export interface RunningToolkit {
  /** The driver's `name`. */
  readonly driverName: string;
  /** `http://127.0.0.1:<port>`: the manager router over the started instance's manager. */
  readonly endpoint: string;
  /** The started instance (after `restart()`, the instance it resolved). */
  readonly instance: DriverInstance;
  /** A new public client of `endpoint` (default: this toolkit's); disposed by `close()`. */
  client(encoding: BenchEncoding, transport: "websocket" | "sse", endpoint?: string): BenchClient;
  /**
   * Serves one more manager router, over `manager` (e.g. a distributed driver's
   * `managerVia(node)`), on a loopback port; resolves its endpoint. Closed by `close()`.
   */
  serve(manager: ManagerDriver): Promise<string>;
  /**
   * Calls the instance's `restart()` (durable drivers, RESTART-1) and resolves the ms it took
   * to resolve. The routers keep the manager they were given, so restart a toolkit whose
   * routers are not used afterwards. Throws TypeError when the instance has no `restart()`,
   * and an Error when it takes over {@link BENCH_START_TIMEOUT_MS}.
   */
  restart(): Promise<number>;
  /** Disposes every client, stops the servers and the driver, removes the data directory. */
  close(): Promise<void>;
}

/** Data directories of toolkits not closed yet, removed at exit if the run is cut short. */
const liveDataDirs = new Set<string>();
process.on("exit", () => {
  for (const dir of liveDataDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Starts `definition` the way `driver-cert run` does (a fresh data directory under the system
 * temp dir, a unique namespace, the runtime helpers, the registry module) and serves its manager
 * router. Rejects (closing what it opened) when the start throws or takes over
 * {@link BENCH_START_TIMEOUT_MS}.
 */
export async function startToolkit(definition: DriverDefinition): Promise<RunningToolkit> {
  const dataDir = await mkdtemp(join(tmpdir(), `driver-cert-bench-${definition.name}-`));
  liveDataDirs.add(dataDir);
  const clients: BenchClient[] = [];
  const servers: { close(): Promise<void> }[] = [];
  let instance: DriverInstance | undefined;
  const close = async () => {
    await Promise.allSettled(clients.map((client) => client.dispose()));
    await Promise.allSettled(servers.map((server) => server.close()));
    await instance?.stop();
    await rm(dataDir, { recursive: true, force: true });
    liveDataDirs.delete(dataDir);
  };
  const serve = async (manager: ManagerDriver) => {
    const served = await serveManager({ registry: benchRegistry, manager });
    servers.push(served);
    return served.endpoint;
  };
  let endpoint: string;
  try {
    const started = await within(
      Promise.resolve().then(() =>
        definition.start({
          registry: benchRegistry,
          registryModule: BENCH_REGISTRY_MODULE,
          dataDir,
          namespace: `bench-${randomUUID().slice(0, 12)}`,
          runtime: createDriverRuntimeHelpers(),
        }),
      ),
      BENCH_START_TIMEOUT_MS,
      `starting driver "${definition.name}"`,
    );
    instance = started;
    endpoint = await serve(started.manager);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    driverName: definition.name,
    endpoint,
    get instance() {
      return instance!;
    },
    client(encoding, transport, at = endpoint) {
      const client = createClient<BenchRegistry>(at, { encoding, transport });
      clients.push(client);
      return client;
    },
    serve,
    async restart() {
      const current = instance!;
      if (typeof current.restart !== "function") {
        throw new TypeError(`driver "${definition.name}" has no restart() on its instance`);
      }
      const start = performance.now();
      instance = await within(
        Promise.resolve().then(() => current.restart!()),
        BENCH_START_TIMEOUT_MS,
        `restart() of driver "${definition.name}"`,
      );
      return performance.now() - start;
    },
    close,
  };
}

/**
 * Starts the toolkit under measurement: a driver hosting the bench registry, the manager router
 * served on loopback, and public clients pointed at it. Everything opened is closed by
 * `close()`, so the bench process exits on its own.
 */
import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Client, createClient } from "../runtime/client/index.ts";
import type { DriverDefinition } from "../runtime/driver/define-driver.ts";
import { createDriverRuntimeHelpers } from "../runtime/driver/index.ts";
import { serveManager } from "../runtime/routing/node-server.ts";
import type { BenchEncoding } from "./baselines.ts";
import { type BenchRegistry, benchRegistry } from "./bench-registry.ts";

/** A public client of the bench registry. */
export type BenchClient = Client<BenchRegistry>;

/** A driver started for the bench, with the manager router listening on 127.0.0.1. */
export interface RunningToolkit {
  /** The driver's `name`. */
  readonly driverName: string;
  /** `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  /** A new public client; disposed by `close()`. */
  client(encoding: BenchEncoding, transport: "websocket" | "sse"): BenchClient;
  /** Disposes every client, stops the server and the driver, removes the data directory. */
  close(): Promise<void>;
}

/** Data directories of toolkits not closed yet, removed at exit if the run is cut short. */
const liveDataDirs = new Set<string>();
process.on("exit", () => {
  for (const dir of liveDataDirs) rmSync(dir, { recursive: true, force: true });
});

/**
 * Starts `definition` the way `driver-cert run` does (a fresh data directory under the system
 * temp dir, a unique namespace, the runtime helpers) and serves its manager router.
 */
export async function startToolkit(definition: DriverDefinition): Promise<RunningToolkit> {
  const dataDir = await mkdtemp(join(tmpdir(), `driver-cert-bench-${definition.name}-`));
  liveDataDirs.add(dataDir);
  const clients: BenchClient[] = [];
  let instance: Awaited<ReturnType<DriverDefinition["start"]>> | undefined;
  let served: Awaited<ReturnType<typeof serveManager>> | undefined;
  const close = async () => {
    await Promise.allSettled(clients.map((client) => client.dispose()));
    await served?.close();
    await instance?.stop();
    await rm(dataDir, { recursive: true, force: true });
    liveDataDirs.delete(dataDir);
  };
  try {
    instance = await definition.start({
      registry: benchRegistry,
      dataDir,
      namespace: `bench-${process.pid}-${Date.now()}`,
      runtime: createDriverRuntimeHelpers(),
    });
    served = await serveManager({ registry: benchRegistry, manager: instance.manager });
  } catch (error) {
    await close();
    throw error;
  }
  const endpoint = served.endpoint;
  return {
    driverName: definition.name,
    endpoint,
    client(encoding, transport) {
      const client = createClient<BenchRegistry>(endpoint, { encoding, transport });
      clients.push(client);
      return client;
    },
    close,
  };
}

/**
 * One Redis-driver node process, started by the driver with an IPC channel (a bundle built by
 * node-bundle.ts, or node/main.ts under `node --import tsx`). It loads the registry once, serves
 * on loopback, and serves the namespaces of the driver starts that joined it, each apart (its
 * own Redis connection, actors, leases, alarms, timers):
 *
 * - `{ type: "join", id, run }`: joins the run's namespace in Redis (membership), serves its
 *   actors, renews their leases, fires their due alarms; answers `{ type: "joined", id }`.
 * - `{ type: "drain", id, namespace }`: fires no more of that run's alarms and answers
 *   `{ type: "drained", id }` once the runs in progress finished (first step of a graceful stop).
 * - `{ type: "leave", id, namespace }`: stops that run's actors (final saves), releases their
 *   leases, leaves the membership, closes the run's Redis connection, sockets and timers;
 *   answers `{ type: "left", id }`. Nothing of the run is left in the process.
 *
 * The process announces `{ type: "ready", address }` once it serves. It exits when the parent
 * goes away (the IPC channel closes, or it is re-parented), so a crashed parent leaves no node.
 */
import {
  createInitialPersistedData,
  type ManagerDriver,
  type Registry,
} from "../../../runtime/driver/index.ts";
import { Coordinator } from "../coordinator/coordinator.ts";
import { Forwarder } from "../routing/forwarder.ts";
import { routedManager } from "../routing/routed-manager.ts";
import { ActorSlots } from "./actor-slots.ts";
import { type NodeRun, startNodeServer } from "./node-server.ts";

/** What a process needs to start (the `DRIVER_CERT_REDIS_NODE` environment variable, JSON). */
export interface NodeProcessConfig {
  /** The registry to host: its module's default export. */
  registryModule: string;
}

/** What a node needs to join one driver start. */
export interface NodeRunConfig {
  nodeId: string;
  redisUrl: string;
  namespace: string;
  leaseMs: number;
}

/** How often a node scans for due alarms, in ms. */
export const ALARM_POLL_MS = 50;

/** Joins a run: Redis connection, actors, leases, alarms and membership of `config.namespace`. */
async function join(
  config: NodeRunConfig,
  registry: Registry,
  address: () => string,
): Promise<NodeRun> {
  const coordinator = await Coordinator.open({
    url: config.redisUrl,
    namespace: config.namespace,
    role: `node:${config.nodeId}`,
  });
  let manager: ManagerDriver | undefined;
  const slots = new ActorSlots({
    nodeId: config.nodeId,
    registry,
    coordinator,
    leaseMs: config.leaseMs,
    manager: () => manager!,
  });
  const forwarder = new Forwarder(coordinator, config.leaseMs, {
    local: {
      nodeId: config.nodeId,
      request: (id, request) => slots.request(id, request),
      openWebSocket: (id, request) => slots.openWebSocket(id, request),
    },
  });
  manager = routedManager(coordinator, forwarder, createInitialPersistedData);
  const record = { nodeId: config.nodeId, address: address(), pid: process.pid };
  await coordinator.heartbeat(record, config.leaseMs);

  // Leases and the heartbeat every quarter lease: a renewal may miss three times before expiry.
  let renewing = false;
  const renewTimer = setInterval(
    () => {
      if (renewing) return;
      renewing = true;
      Promise.all([slots.renew(), coordinator.heartbeat(record, config.leaseMs)])
        .catch(() => {})
        .finally(() => {
          renewing = false;
        });
    },
    Math.max(10, Math.floor(config.leaseMs / 4)),
  );
  let scanning = false;
  const alarmTimer = setInterval(() => {
    if (scanning) return;
    scanning = true;
    slots
      .fireDueAlarms()
      .catch(() => {})
      .finally(() => {
        scanning = false;
      });
  }, ALARM_POLL_MS);

  let leaving: Promise<void> | undefined;
  return {
    namespace: config.namespace,
    slots,
    forwarder,
    manager,
    drain: async () => {
      clearInterval(alarmTimer);
      await slots.drainAlarms();
    },
    leave: () =>
      (leaving ??= (async () => {
        clearInterval(renewTimer);
        clearInterval(alarmTimer);
        await coordinator.leave(config.nodeId).catch(() => {});
        await slots.stop();
        await forwarder.close();
        await coordinator.close();
      })()),
  };
}

async function serve(given: Registry | undefined): Promise<void> {
  const config = JSON.parse(
    process.env.DRIVER_CERT_REDIS_NODE ?? "null",
  ) as NodeProcessConfig | null;
  if (config === null) {
    throw new Error("DRIVER_CERT_REDIS_NODE is not set: nodes are started by the Redis driver");
  }
  const parent = process.ppid;
  process.on("disconnect", () => process.exit(0));
  // A parent killed without closing the channel: the process is re-parented.
  setInterval(() => {
    if (process.ppid !== parent || !process.connected) process.exit(0);
  }, 1_000).unref();
  const registry =
    given ?? ((await import(config.registryModule)) as { default: Registry }).default;
  const runs = new Map<string, NodeRun>();
  const server = await startNodeServer((namespace) => runs.get(namespace));
  const reply = (message: object) => {
    if (process.connected) process.send?.(message, () => {});
  };

  type Message = { type?: string; id?: number; run?: NodeRunConfig; namespace?: string };
  process.on("message", (message: Message) => {
    const { id } = message ?? {};
    if (message?.type === "join" && message.run) {
      const config = message.run;
      if (runs.has(config.namespace)) {
        reply({ type: "failed", id, message: `already serving ${config.namespace}` });
        return;
      }
      join(config, registry, () => server.address).then(
        (joined) => {
          runs.set(config.namespace, joined);
          reply({ type: "joined", id });
        },
        (error) => reply({ type: "failed", id, message: (error as Error).message }),
      );
    } else if (message?.type === "drain" && message.namespace !== undefined) {
      const run = runs.get(message.namespace);
      (run ? run.drain() : Promise.resolve())
        .catch((error) => console.error(`draining ${message.namespace} failed`, error))
        .finally(() => reply({ type: "drained", id }));
    } else if (message?.type === "leave" && message.namespace !== undefined) {
      const run = runs.get(message.namespace);
      runs.delete(message.namespace);
      (run ? run.leave() : Promise.resolve())
        .catch((error) => console.error(`leaving ${message.namespace} failed`, error))
        .finally(() => {
          if (run) server.closeConnections(run.namespace);
          reply({ type: "left", id });
        });
    }
  });
  reply({ type: "ready", address: server.address });
}

/**
 * Runs this process as a node until the parent goes away, hosting `registry` (default: the
 * default export of `registryModule`). Start failures are reported to the parent as
 * `{ type: "failed", message }` and exit 1.
 */
export function runNode(registry?: Registry): void {
  serve(registry).catch((error) => {
    console.error("redis driver node failed to start:", error);
    const message = error instanceof Error ? error.message : String(error);
    if (!process.connected) process.exit(1);
    process.send?.({ type: "failed", message }, () => process.exit(1));
  });
}

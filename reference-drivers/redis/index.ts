/**
 * The Redis driver: actors spread over several node processes (default 3), coordinated through
 * Redis. Redis holds the directory, state bytes, alarms, node membership and ownership leases
 * with fencing tokens; requests and WebSockets travel between processes directly over loopback.
 * The manager `start(ctx)` returns lives in the calling process, which owns no actor: every
 * request it routes enters the cluster at a node that is not the harness (DIST-3).
 * Design and guarantees: reference-drivers/redis/README.md.
 */
import { join } from "node:path";
import { request as undiciRequest } from "undici";
import {
  ActorError,
  type DistributedTestHooks,
  type DriverInstance,
  type DriverStartContext,
  defineDriver,
  type ManagerDriver,
} from "../../runtime/driver/index.ts";
import { Coordinator } from "./coordinator/coordinator.ts";
import { NodeProcesses } from "./node-processes.ts";
import { findRedis, type RedisHandle } from "./redis-server.ts";
import { Forwarder } from "./routing/forwarder.ts";
import { routedManager } from "./routing/routed-manager.ts";

/** Options of a Redis driver start. */
export interface RedisDriverOptions {
  /** Node processes to start; default 3. */
  nodes?: number;
  /** Lease time of an actor's owner, in ms (Redis time); default 2,000. */
  leaseMs?: number;
}

export const DEFAULT_NODES = 3;
export const DEFAULT_LEASE_MS = 2_000;

/**
 * Throws unless Redis persists every acknowledged write: the driver declares `durable`, which
 * needs `appendonly yes` and `appendfsync always`.
 */
async function checkDurability(coordinator: Coordinator, url: string): Promise<void> {
  const [, appendonly] = (await coordinator.redis.config("GET", "appendonly")) as string[];
  const [, fsync] = (await coordinator.redis.config("GET", "appendfsync")) as string[];
  if (appendonly !== "yes" || fsync !== "always") {
    throw new Error(
      `the Redis at ${url} does not persist every write (appendonly ${appendonly}, appendfsync ${fsync}); the Redis driver declares durable and needs appendonly yes and appendfsync always`,
    );
  }
}

/** Lookups run by the node at `address` (`managerVia`). */
function lookupsVia(address: string, namespace: string) {
  const call = async (op: string, input: unknown) => {
    const response = await undiciRequest(
      `${address}/_node/${encodeURIComponent(namespace)}/manager`,
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ op, input }),
        headersTimeout: 10_000,
      },
    );
    const answer = (await response.body.json()) as {
      result?: unknown;
      error?: { code: string; message: string };
    };
    if (answer.error)
      throw new ActorError(answer.error.code as "driver_error", answer.error.message);
    return answer.result ?? undefined;
  };
  return {
    getForId: (input: unknown) => call("getForId", input),
    getWithKey: (input: unknown) => call("getWithKey", input),
    getOrCreateWithKey: (input: unknown) => call("getOrCreateWithKey", input),
    createActor: (input: unknown) => call("createActor", input),
  } as Pick<ManagerDriver, "getForId" | "getWithKey" | "getOrCreateWithKey" | "createActor">;
}

/**
 * Starts Redis (or uses REDIS_URL), the node processes and the manager. Rejects with an Error
 * naming what is missing: `ctx.registryModule`, a Redis (REDIS_URL or redis-server on the PATH),
 * or a Redis that does not persist every write; nothing is left running after a failed start.
 */
export async function startRedisDriver(
  ctx: DriverStartContext,
  options: RedisDriverOptions = {},
): Promise<DriverInstance> {
  const registryModule = ctx.registryModule;
  if (registryModule === undefined) {
    throw new TypeError(
      "the Redis driver hosts actors in node processes and needs ctx.registryModule (a module whose default export is the registry)",
    );
  }
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const count = options.nodes ?? DEFAULT_NODES;
  const redis: RedisHandle = await findRedis(join(ctx.dataDir, "redis"));
  let coordinator: Coordinator | undefined;
  const nodes = new NodeProcesses(registryModule, {
    redisUrl: redis.url,
    namespace: ctx.namespace,
    leaseMs,
  });
  try {
    coordinator = await Coordinator.open({
      url: redis.url,
      namespace: ctx.namespace,
      role: "manager",
    });
    await checkDurability(coordinator, redis.url);
    await nodes.joinShared(count);
  } catch (error) {
    await nodes.stopAll();
    await coordinator?.close();
    await redis.stop();
    throw error;
  }
  const directory = coordinator;
  const forwarder = new Forwarder(directory, leaseMs);
  const manager = routedManager(directory, forwarder, ctx.runtime.createInitialPersistedData);
  const vias: Forwarder[] = [];

  const distributed: DistributedTestHooks = {
    failoverBoundMs: forwarder.failoverBoundMs,
    listNodes: async () => {
      await nodes.settled();
      return nodes.list();
    },
    ownerOf: async (actorId) => {
      const token = await directory.leaseOf(actorId);
      return token === undefined ? undefined : token.slice(0, token.lastIndexOf("|"));
    },
    killNode: (nodeId) => nodes.kill(nodeId),
    pauseNode: (nodeId, ms) => nodes.pause(nodeId, ms),
    startNode: async () => {
      await nodes.settled();
      return nodes.launchDedicated();
    },
    stopNode: (nodeId) => nodes.stop(nodeId),
    managerVia(nodeId) {
      const entry = { nodeId, address: nodes.address(nodeId), pid: 0 };
      const via = new Forwarder(directory, leaseMs, { entry });
      vias.push(via);
      return {
        ...lookupsVia(entry.address, ctx.namespace),
        sendRequest: (actorId, request) => via.fetch(actorId, request),
        proxyRequest: (actorId, request) => via.fetch(actorId, request),
        openWebSocket: (actorId, request) => via.openWebSocket(actorId, request),
        proxyWebSocket: (actorId, request, socket) => via.proxyWebSocket(actorId, request, socket),
      };
    },
    dropCoordinatorConnections: () => directory.dropConnections(),
  };

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await forwarder.close();
      await Promise.all(vias.map((via) => via.close()));
      await nodes.stopAll();
      await directory.close();
      await redis.stop();
    })());

  return {
    manager,
    stop,
    async restart() {
      await stop();
      return startRedisDriver(ctx, options);
    },
    damagePersistedData: (actorId) => directory.damageState(actorId),
    // PERSIST-9 hook: a flag in Redis that every node's fenced write checks in the same step.
    failPersistedWrites: (actorId, fail) => directory.refuseWrites(actorId, fail),
    distributed,
  };
}

/** A Redis driver definition with other node counts or lease times (tests, benchmarks). */
export function defineRedisDriver(options: RedisDriverOptions = {}) {
  return defineDriver({
    name: "redis",
    contractVersion: 1,
    capabilities: {
      websocket: true,
      sse: true,
      schedule: true,
      durable: true,
      distributed: true,
    },
    start: (ctx) => startRedisDriver(ctx, options),
  });
}

export default defineRedisDriver();

/**
 * The rows a `distributed` driver adds to `driver-cert bench`, measured on a start of its own
 * through its DIST test hooks (DistributedTestHooks): an action whose client enters the cluster
 * at a node that does not own the actor (against the memory driver's HTTP action), and the time
 * from `killNode(owner)` until the actor answers again (against the driver's stated
 * `failoverBoundMs`).
 */
import type { DistributedTestHooks } from "../../runtime/driver/index.ts";
import type { WorkloadSpec } from "./catalogue.ts";
import { within } from "./measure.ts";
import { openHttpActionPath } from "./paths.ts";
import { type RunningToolkit, startToolkit } from "./toolkit.ts";
import { type DriverBenchRow, measurePair, type WorkloadContext } from "./workloads.ts";

/** How long starting one node of its own may take, in ms. */
const START_NODE_TIMEOUT_MS = 30_000;

/**
 * Starts the driver once more, closed when the workload ends, and resolves it with its DIST
 * hooks; throws naming the driver when its instance has none.
 */
async function startOwn(
  ctx: WorkloadContext,
  what: string,
): Promise<{ toolkit: RunningToolkit; hooks: DistributedTestHooks }> {
  ctx.progress(`starting the driver again for ${what}`);
  const toolkit = await startToolkit(ctx.definition);
  ctx.defer(() => toolkit.close());
  const hooks = toolkit.instance.distributed;
  if (typeof hooks?.listNodes !== "function") {
    throw new TypeError(
      `driver "${toolkit.driverName}" declares distributed but its started instance has no distributed test hooks`,
    );
  }
  return { toolkit, hooks };
}

/**
 * `remote-action`: `ping(i)` over HTTP through a manager router whose manager is
 * `managerVia(node)` for a live node other than the actor's owner, interleaved with the
 * memory driver's HTTP action.
 */
export async function remoteActionWorkload(
  spec: WorkloadSpec,
  ctx: WorkloadContext,
): Promise<DriverBenchRow[]> {
  const { toolkit, hooks } = await startOwn(ctx, "the remote-action rows");
  const key = "remote";
  const actorId = await toolkit.client("cbor", "websocket").bench.getOrCreate([key]).resolve();
  await toolkit.client("cbor", "websocket").bench.getForId(actorId).ping(0);
  const owner = await hooks.ownerOf(actorId);
  const nodes = (await hooks.listNodes()).filter((n) => n.alive);
  const entry = nodes.find((n) => n.nodeId !== owner);
  if (!owner || !entry) {
    throw new Error(
      `need an owner and another live node: owner ${owner ?? "none"}, ${nodes.length} live nodes`,
    );
  }
  ctx.progress(`client enters at node ${entry.nodeId}, actor owned by ${owner}`);
  const endpoint = await toolkit.serve(hooks.managerVia(entry.nodeId));
  return measurePair(
    spec,
    ctx,
    (t, name) =>
      t === toolkit
        ? openRemotePath(name, toolkit, endpoint, key)
        : openHttpActionPath(name, t, "cbor", "ping"),
    "callers",
    { toolkit },
  );
}

/** `ping(i)` on the actor of `key` through the router at `endpoint`. */
async function openRemotePath(
  name: string,
  toolkit: RunningToolkit,
  endpoint: string,
  key: string,
) {
  const handle = toolkit.client("cbor", "websocket", endpoint).bench.getOrCreate([key]);
  const op = (x: unknown) => handle.ping(x);
  const got = await within(op(4217), 10_000, name);
  if (got !== 4217) throw new Error(`${name} returned ${JSON.stringify(got)}, expected 4217`);
  return { name, op, close: async () => {} };
}

/**
 * `failover`: on a start of its own, two nodes of its own are started (`startNode()`) and the
 * start's first nodes stopped, so the owner may be killed; an actor answers, its owner is
 * killed, and the ms from the kill until `ping` answers again through the surviving node are
 * reported against the driver's `failoverBoundMs`. Each try is bounded; the wait ends at twice
 * the bound.
 */
export async function failoverWorkload(
  spec: WorkloadSpec,
  ctx: WorkloadContext,
): Promise<DriverBenchRow[]> {
  const { toolkit, hooks } = await startOwn(ctx, "the failover row");
  const before = (await hooks.listNodes()).filter((n) => n.alive);
  const own: string[] = [];
  for (let i = 0; i < 2; i++) {
    ctx.progress(`starting node ${i + 1} of 2 of its own`);
    own.push((await within(hooks.startNode(), START_NODE_TIMEOUT_MS, "startNode()")).nodeId);
  }
  for (const node of before) await hooks.stopNode(node.nodeId);
  const manager = toolkit.instance.manager;
  const actor = await manager.getOrCreateWithKey({ name: "bench", key: ["failover"] });
  const handle = toolkit.client("cbor", "websocket").bench.getForId(actor.actorId);
  await within(handle.ping(0), 10_000, "the first ping");
  const owner = await hooks.ownerOf(actor.actorId);
  const survivor = own.find((id) => id !== owner);
  if (!owner || !own.includes(owner) || !survivor) {
    throw new Error(`the actor is owned by ${owner ?? "no node"}, not by a node of its own`);
  }
  const endpoint = await toolkit.serve(hooks.managerVia(survivor));
  const via = toolkit.client("cbor", "websocket", endpoint).bench.getForId(actor.actorId);
  const bound = hooks.failoverBoundMs;
  ctx.progress(`killing node ${owner}; waiting for the actor through ${survivor}`);
  await hooks.killNode(owner);
  const start = performance.now();
  let lastError = "";
  while (performance.now() - start < 2 * bound) {
    try {
      await within(via.ping(1), bound, "ping during failover");
      break;
    } catch (error) {
      lastError = (error as Error).message;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  const elapsed = performance.now() - start;
  if (elapsed >= 2 * bound) {
    throw new Error(`the actor did not answer within ${2 * bound} ms of the kill: ${lastError}`);
  }
  return [
    {
      id: `${spec.id}/failover`,
      workload: spec.id,
      scenario: "failover after killNode(owner)",
      figure: "kill to first answer",
      unit: "ms",
      value: elapsed,
      baseline: { label: "stated bound", value: bound },
    },
  ];
}

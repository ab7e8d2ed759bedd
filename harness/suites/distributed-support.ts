/**
 * Helpers of the distributed suite: the driver's DIST test hooks, a cluster of nodes that belong
 * to this test alone (so kills and pauses touch nothing else), and calls to `distProbe`.
 */
import type {
  DistributedTestHooks,
  DriverNode,
  ManagerDriver,
} from "../../runtime/driver/index.ts";
import type { ProbeAnswer } from "../fixtures/core/distributed.ts";
import type { TestContext } from "../test-context.ts";
import { callAction } from "./driver-routing-support.ts";

/** The started instance's DIST hooks; fails the test naming the driver when it has none. */
export function hooksOf(t: TestContext): DistributedTestHooks {
  const hooks = t.driver.distributed;
  t.expect(
    typeof hooks?.listNodes,
    `driver "${t.definition.name}" declares distributed but its started instance has no distributed test hooks`,
  ).toBe("function");
  return hooks!;
}

/**
 * Starts `count` nodes for this test alone and stops the nodes the start began with, so every
 * actor of the run lives on nodes the test may kill or pause. Resolves their node ids.
 */
export async function ownCluster(t: TestContext, count: number): Promise<string[]> {
  const hooks = hooksOf(t);
  const before = (await hooks.listNodes()).filter((n) => n.alive);
  const started: DriverNode[] = [];
  for (let i = 0; i < count; i++) {
    started.push(await t.step(`startNode ${i + 1}`, hooks.startNode(), 20_000));
  }
  for (const node of before) await t.step(`stopNode ${node.nodeId}`, hooks.stopNode(node.nodeId));
  return started.map((n) => n.nodeId);
}

/** Calls `action` of `distProbe` actor `id` through `manager` (JSON over sendRequest). */
export function probe<T = ProbeAnswer>(
  manager: ManagerDriver,
  id: string,
  action: string,
  args: unknown[] = [],
): Promise<T> {
  return callAction(manager, id, action, args) as Promise<T>;
}

/** A new `distProbe` actor's id, created through `manager`. */
export async function newProbe(t: TestContext, manager: ManagerDriver = t.manager) {
  const key = t.uniqueKey("dist");
  const made = await t.step(
    "create distProbe",
    manager.getOrCreateWithKey({ name: "distProbe", key }),
  );
  return made.actorId;
}

/** The node owning `id` now; fails the test when none does. */
export async function ownerOf(t: TestContext, id: string): Promise<string> {
  const owner = await t.step("ownerOf", hooksOf(t).ownerOf(id));
  t.expect(owner, `a node owns actor ${id} after it answered`).toBeTypeOf("string");
  return owner!;
}

/** Milliseconds since `start` (performance clock). */
export function since(start: number): number {
  return Math.round(performance.now() - start);
}

/**
 * Calls `getCount` until it answers (a coded failure meanwhile is allowed, a hang is not: each
 * call is bounded), for at most `ms`; resolves the answer and how long it took.
 */
export async function answerWithin(
  t: TestContext,
  manager: ManagerDriver,
  id: string,
  ms: number,
): Promise<{ answer: ProbeAnswer; elapsedMs: number; failures: string[] }> {
  const start = performance.now();
  const failures: string[] = [];
  while (performance.now() - start < ms) {
    try {
      const answer = await t.step("getCount during failover", probe(manager, id, "getCount"), ms);
      return { answer, elapsedMs: since(start), failures };
    } catch (error) {
      failures.push((error as Error).message.slice(0, 160));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`actor ${id} did not answer within ${ms} ms: ${failures.slice(-3).join(" | ")}`);
}

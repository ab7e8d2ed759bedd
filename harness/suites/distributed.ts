/**
 * Distributed suite (capability `distributed`, DIST-1..DIST-12): actors on several node
 * processes. Lookups and races go through every node (`managerVia`); kills and pauses happen
 * on nodes the test started for itself (`ownCluster`), never on processes other tests share.
 */

import type { RawWsWelcome } from "../fixtures/connectivity/raw-websocket.ts";
import type { ProbeRun } from "../fixtures/core/distributed.ts";
import { defineSuite } from "../suite-api.ts";
import { SocketInbox } from "./connectivity-wire.ts";
import { pollUntil, show } from "./core-support.ts";
import {
  answerWithin,
  hooksOf,
  newProbe,
  ownCluster,
  ownerOf,
  probe,
  since,
} from "./distributed-support.ts";
import { ACTOR_ORIGIN, SseReader } from "./driver-routing-support.ts";

/** Budget of a test that kills or pauses nodes, in ms. */
const FAULT_TEST_MS = 60_000;

export const distributedSuite = defineSuite("distributed", (s) => {
  s.test({
    id: "one-instance-through-every-node",
    title: "concurrent calls through every node reach one instance of the actor",
    clause: "DIST-1",
    setup: "driver",
    timeoutMs: 30_000,
    run: async (t) => {
      const hooks = hooksOf(t);
      const nodes = (await hooks.listNodes()).filter((n) => n.alive);
      t.expect(nodes.length, "a distributed start runs several nodes").toBeGreaterThan(1);
      const id = await newProbe(t);
      const calls = nodes.flatMap((n) =>
        [0, 1, 2].map(() => probe<{ nonce: string }>(hooks.managerVia(n.nodeId), id, "whoami")),
      );
      const answers = await t.step("whoami x3 through every node", Promise.all(calls), 15_000);
      const nonces = new Set(answers.map((a) => a.nonce));
      t.expect([...nonces], "instance nonces seen through the nodes").toHaveLength(1);
    },
  });

  s.test({
    id: "create-races-across-nodes",
    title: "getOrCreate raced from every node yields one actor; createActor succeeds once",
    clause: "DIST-2",
    setup: "driver",
    timeoutMs: 30_000,
    run: async (t) => {
      const hooks = hooksOf(t);
      const managers = (await hooks.listNodes())
        .filter((n) => n.alive)
        .map((n) => hooks.managerVia(n.nodeId));
      const key = t.uniqueKey("race");
      const made = await t.step(
        "getOrCreate x4 per node",
        Promise.all(
          managers.flatMap((m) =>
            [0, 1, 2, 3].map(() => m.getOrCreateWithKey({ name: "distProbe", key })),
          ),
        ),
        15_000,
      );
      t.expect(new Set(made.map((m) => m.actorId)).size, "actors for one key").toBe(1);

      const other = t.uniqueKey("race-create");
      const outcomes = await t.step(
        "createActor x2 per node",
        Promise.allSettled(
          managers.flatMap((m) =>
            [0, 1].map(() => m.createActor({ name: "distProbe", key: other })),
          ),
        ),
        15_000,
      );
      const won = outcomes.filter((o) => o.status === "fulfilled");
      const codes = outcomes
        .filter((o): o is PromiseRejectedResult => o.status === "rejected")
        .map((o) => (o.reason as { code?: string }).code);
      t.expect(won, "createActor calls that succeeded").toHaveLength(1);
      t.expect(new Set(codes), "the code of every losing createActor").toEqual(
        new Set(["actor_already_exists"]),
      );
    },
  });

  s.test({
    id: "found-at-once-through-every-node",
    title: "an actor created through one node is found and reached at once through every other",
    clause: "DIST-3",
    setup: "driver",
    timeoutMs: 30_000,
    run: async (t) => {
      const hooks = hooksOf(t);
      const nodes = (await hooks.listNodes()).filter((n) => n.alive).map((n) => n.nodeId);
      for (const creator of nodes) {
        const key = t.uniqueKey(`via-${creator}`);
        const made = await t.step(
          `create through ${creator}`,
          hooks.managerVia(creator).createActor({ name: "distProbe", key }),
        );
        for (const reader of nodes.filter((n) => n !== creator)) {
          const via = hooks.managerVia(reader);
          const byKey = await t.step(
            `getWithKey through ${reader}`,
            via.getWithKey({ name: "distProbe", key }),
          );
          t.expect(
            byKey?.actorId,
            `created through ${creator}, looked up by key through ${reader}`,
          ).toBe(made.actorId);
          const byId = await t.step(
            `getForId through ${reader}`,
            via.getForId({ actorId: made.actorId }),
          );
          t.expect(byId?.key, `getForId through ${reader}`).toEqual(key);
          const answer = await t.step(
            `increment through ${reader}`,
            probe(via, made.actorId, "increment", [1]),
          );
          t.expect(answer.count, `increment through ${reader} reached the actor`).toBeGreaterThan(
            0,
          );
        }
      }
    },
  });

  s.test({
    id: "inline-client-crosses-nodes",
    title: "c.client() reaches an actor owned by another node",
    clause: "DIST-3",
    setup: "driver",
    timeoutMs: 30_000,
    run: async (t) => {
      hooksOf(t);
      // Placement is the driver's: try pairs until caller and callee live on different nodes.
      for (let attempt = 1; attempt <= 12; attempt++) {
        const callerKey = t.uniqueKey("caller");
        const counterKey = t.uniqueKey("callee");
        const caller = await t.step(
          "caller",
          t.manager.getOrCreateWithKey({ name: "inlineClientActor", key: callerKey }),
        );
        const callee = await t.step(
          "callee",
          t.manager.getOrCreateWithKey({ name: "counter", key: counterKey }),
        );
        await t.step("wake callee", probe(t.manager, callee.actorId, "getCount"));
        await t.step("wake caller", probe(t.manager, caller.actorId, "getMessages"));
        const [a, b] = [await ownerOf(t, caller.actorId), await ownerOf(t, callee.actorId)];
        if (a === b) continue;
        const result = await t.step(
          "callCounterIncrement(5) across nodes",
          probe<number>(t.manager, caller.actorId, "callCounterIncrement", [counterKey, 5]),
        );
        t.expect(result, `${a} -> ${b}: the callee's answer`).toBe(5);
        const count = await t.step(
          "callee getCount",
          probe<number>(t.manager, callee.actorId, "getCount"),
        );
        t.expect(count, "the callee's state after the cross-node call").toBe(5);
        return;
      }
      t.expect.fail(
        "12 caller/callee pairs all landed on one node: placement never spreads actors",
      );
    },
  });

  s.test({
    id: "paused-owner-cannot-write",
    title:
      "an owner paused past its lease cannot write when it resumes; its late action is refused",
    clause: "DIST-4",
    setup: "driver",
    timeoutMs: FAULT_TEST_MS,
    run: async (t) => {
      const hooks = hooksOf(t);
      await ownCluster(t, 2);
      const id = await newProbe(t);
      const first = await t.step("increment(1)", probe(t.manager, id, "increment", [1]));
      const owner = await ownerOf(t, id);
      const pauseMs = hooks.failoverBoundMs + 1_500;
      // An action in flight on the owner: it resumes after the pause and then tries to write.
      const late = probe(t.manager, id, "incrementLater", [100, 300]).then(
        (answer) => ({ ok: true as const, answer }),
        (error: Error) => ({ ok: false as const, error: error.message }),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      await t.step(`pause ${owner}`, hooks.pauseNode(owner, pauseMs));
      // Once the lease expired, another node takes the actor over and writes.
      await new Promise((resolve) => setTimeout(resolve, hooks.failoverBoundMs - 1_000));
      const { answer } = await answerWithin(t, t.manager, id, hooks.failoverBoundMs);
      t.expect(answer.nonce, "a new instance answers while the owner is paused").not.toBe(
        first.nonce,
      );
      const taken = await t.step(
        "increment(10) on the new owner",
        probe(t.manager, id, "increment", [10]),
      );
      const outcome = await t.step("the paused owner's action", late, pauseMs + 15_000);
      t.expect(
        outcome.ok,
        `the late action on the paused owner was acknowledged (${show(outcome)}) though its lease was taken over`,
      ).toBe(false);
      const final = await t.step("getCount", probe(t.manager, id, "getCount"));
      t.expect(
        final.count,
        "the state is the new owner's: 1 + 10, without the paused owner's 100",
      ).toBe(taken.count);
    },
  });

  s.test({
    id: "acknowledged-writes-survive-kill",
    title: "every acknowledged increment is there after the owner node is killed",
    clause: "DIST-5",
    setup: "driver",
    timeoutMs: FAULT_TEST_MS,
    run: async (t) => {
      const hooks = hooksOf(t);
      await ownCluster(t, 2);
      const id = await newProbe(t);
      let acknowledged = 0;
      for (let i = 0; i < 20; i++) {
        acknowledged = (await t.step(`increment ${i + 1}`, probe(t.manager, id, "increment", [1])))
          .count;
      }
      await t.step("kill the owner", hooks.killNode(await ownerOf(t, id)));
      const { answer } = await answerWithin(t, t.manager, id, hooks.failoverBoundMs + 5_000);
      t.expect(answer.count, "the count after failover").toBe(acknowledged);
    },
  });

  s.test({
    id: "failover-within-stated-bound",
    title: "after its owner is killed the actor answers from another node within failoverBoundMs",
    clause: "DIST-6",
    setup: "driver",
    timeoutMs: FAULT_TEST_MS,
    run: async (t) => {
      const hooks = hooksOf(t);
      await ownCluster(t, 2);
      const id = await newProbe(t);
      const before = await t.step("increment", probe(t.manager, id, "increment", [1]));
      const owner = await ownerOf(t, id);
      await t.step("kill the owner", hooks.killNode(owner));
      const { answer, elapsedMs } = await answerWithin(
        t,
        t.manager,
        id,
        hooks.failoverBoundMs + 5_000,
      );
      t.expect(answer.nonce, "a new instance answers").not.toBe(before.nonce);
      t.expect(await ownerOf(t, id), "the new owner").not.toBe(owner);
      t.expect(
        elapsedMs,
        `failover took ${elapsedMs} ms; the driver states ${hooks.failoverBoundMs} ms`,
      ).toBeLessThanOrEqual(hooks.failoverBoundMs);
    },
  });

  s.test({
    id: "graceful-stop-hands-over",
    title: "a node stopped gracefully hands its actors over at once, state included",
    clause: "DIST-7",
    setup: "driver",
    timeoutMs: FAULT_TEST_MS,
    run: async (t) => {
      const hooks = hooksOf(t);
      await ownCluster(t, 2);
      const id = await newProbe(t);
      const before = await t.step("increment(7)", probe(t.manager, id, "increment", [7]));
      const owner = await ownerOf(t, id);
      await t.step(`stopNode ${owner}`, hooks.stopNode(owner), 10_000);
      const start = performance.now();
      const answer = await t.step("getCount after handover", probe(t.manager, id, "getCount"));
      const elapsed = since(start);
      t.expect(answer.count, "the state after handover").toBe(before.count);
      t.expect(answer.nonce, "a new instance answers").not.toBe(before.nonce);
      const leaseMs = hooks.failoverBoundMs / 2;
      t.expect(elapsed, `handover took ${elapsed} ms: as long as waiting out a lease`).toBeLessThan(
        leaseMs,
      );
    },
  });

  s.test({
    id: "busy-owner-keeps-lease",
    title: "long actions and short event-loop stalls do not move the actor to another node",
    clause: "DIST-8",
    setup: "driver",
    timeoutMs: FAULT_TEST_MS,
    run: async (t) => {
      const hooks = hooksOf(t);
      await ownCluster(t, 2);
      const id = await newProbe(t);
      const { nonce } = await t.step("whoami", probe<{ nonce: string }>(t.manager, id, "whoami"));
      const holdMs = Math.round(hooks.failoverBoundMs * 1.5);
      const held = t.step("hold", probe<string>(t.manager, id, "hold", [holdMs]), holdMs + 10_000);
      const stalls: string[] = [];
      const end = performance.now() + holdMs;
      while (performance.now() < end) {
        stalls.push(
          await t.step("stall(250)", probe<string>(t.manager, id, "stall", [250]), 10_000),
        );
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      t.expect(await held, "the long action finished on the instance that began it").toBe(nonce);
      t.expect(new Set(stalls), "instances that answered the stalls").toEqual(new Set([nonce]));
      const after = await t.step("whoami after", probe<{ nonce: string }>(t.manager, id, "whoami"));
      t.expect(after.nonce, "the instance after the busy period").toBe(nonce);
    },
  });

  s.test({
    id: "alarms-fire-on-new-owner",
    title:
      "alarms of an actor whose node was killed fire on the new owner, each once, one at a time",
    clause: "DIST-9",
    setup: "driver",
    timeoutMs: FAULT_TEST_MS,
    run: async (t) => {
      const hooks = hooksOf(t);
      await ownCluster(t, 2);
      const id = await newProbe(t);
      const { nonce } = await t.step("whoami", probe<{ nonce: string }>(t.manager, id, "whoami"));
      const ids = ["a", "b", "c"];
      for (const [i, run] of ids.entries()) {
        await t.step(
          `scheduleRun(${run})`,
          probe(t.manager, id, "scheduleRun", [run, 800 + i * 100]),
        );
      }
      await t.step("kill the owner", hooks.killNode(await ownerOf(t, id)));
      const runs = await pollUntil(
        t,
        "the scheduled runs on the new owner",
        async () => {
          try {
            return await probe<ProbeRun[]>(t.manager, id, "getRuns");
          } catch {
            return [];
          }
        },
        (r) => r.length >= ids.length,
        hooks.failoverBoundMs + 10_000,
      );
      // Late duplicates would show up shortly after.
      await new Promise((resolve) => setTimeout(resolve, 500));
      const final = await t.step("getRuns", probe<ProbeRun[]>(t.manager, id, "getRuns"));
      t.expect(final.map((r) => r.id).sort(), "each scheduled run once").toEqual(ids);
      t.expect(
        runs.every((r) => r.nonce !== nonce),
        "the runs came from the new owner",
      ).toBe(true);
      t.expect(Math.max(...final.map((r) => r.concurrent)), "runs of one actor at once").toBe(1);
    },
  });

  s.test({
    id: "coordinator-connections-dropped",
    title:
      "calls answer or fail with a code within a bound when coordinator connections drop, then recover",
    clause: "DIST-10",
    setup: "driver",
    timeoutMs: FAULT_TEST_MS,
    run: async (t) => {
      const hooks = hooksOf(t);
      const id = await newProbe(t);
      await t.step("increment", probe(t.manager, id, "increment", [1]));
      const dropped = await t.step(
        "dropCoordinatorConnections",
        hooks.dropCoordinatorConnections(),
      );
      t.expect(dropped, "connections closed by the hook").toBeGreaterThan(0);
      const boundMs = hooks.failoverBoundMs + 5_000;
      const outcomes = await t.step(
        "calls right after the drop (each answers or fails, none hangs)",
        Promise.allSettled([0, 1, 2, 3].map(() => probe(t.manager, id, "getCount"))),
        boundMs,
      );
      t.expect(outcomes.length, "every call settled").toBe(4);
      const { answer } = await answerWithin(t, t.manager, id, boundMs);
      t.expect(answer.count, "the state once the driver recovered").toBe(1);
    },
  });

  s.test({
    id: "websocket-and-sse-across-nodes",
    title:
      "a WebSocket and an SSE stream entering through a non-owner node keep frames, order and close",
    clause: "DIST-11",
    requires: ["websocket", "sse"],
    setup: "driver",
    timeoutMs: 30_000,
    run: async (t) => {
      const hooks = hooksOf(t);
      const key = t.uniqueKey("ws-across");
      const { actorId } = await t.step(
        "create rawWs",
        t.manager.getOrCreateWithKey({ name: "rawWs", key }),
      );
      await t.step("wake", probe(t.manager, actorId, "getStats"));
      const owner = await ownerOf(t, actorId);
      const entry = (await hooks.listNodes()).find((n) => n.alive && n.nodeId !== owner);
      t.expect(entry, "a node other than the owner").toBeDefined();
      const via = hooks.managerVia(entry!.nodeId);
      const socket = await t.step(
        "openWebSocket via a non-owner",
        via.openWebSocket(actorId, new Request(`${ACTOR_ORIGIN}/raw/websocket/x?q=1`)),
      );
      t.trackSocket(socket);
      const inbox = new SocketInbox(socket);
      const welcome = (await t.step("welcome", inbox.nextJson("the welcome"))) as RawWsWelcome;
      t.expect(welcome.search, "the query crossed").toBe("?q=1");
      for (let i = 0; i < 30; i++) {
        if (i % 2 === 0) socket.send(`m${i}`);
        else socket.send(new Uint8Array([i, 255 - i, 0]));
      }
      socket.send(JSON.stringify({ type: "sendText", text: "last" }));
      socket.send(JSON.stringify({ type: "close", code: 4321, reason: "bye across" }));
      for (let i = 0; i < 30; i++) {
        const frame = await t.step(`frame ${i}`, inbox.next(`frame ${i}`));
        if (i % 2 === 0)
          t.expect(frame, `frame ${i}`).toEqual({ binary: false, data: `echo:m${i}` });
        else
          t.expect(frame, `frame ${i}`).toEqual({
            binary: true,
            data: new Uint8Array([0, 255 - i, i]),
          });
      }
      t.expect(
        await t.step("last frame", inbox.next("the last frame")),
        "the frame before the close",
      ).toEqual({ binary: false, data: "last" });
      t.expect(await inbox.waitClosed(), "close code and reason").toEqual({
        code: 4321,
        reason: "bye across",
      });

      const counterKey = t.uniqueKey("sse-across");
      const counter = await t.step(
        "create counter",
        t.manager.getOrCreateWithKey({ name: "counter", key: counterKey }),
      );
      const abort = new AbortController();
      t.defer(() => abort.abort());
      const response = await t.step(
        "SSE via a non-owner",
        via.sendRequest(
          counter.actorId,
          new Request(`${ACTOR_ORIGIN}/connect/sse`, {
            headers: { "x-actor-encoding": "json" },
            signal: abort.signal,
          }),
        ),
      );
      const reader = new SseReader(response.body!);
      t.defer(() => reader.cancel());
      const init = JSON.parse(
        await t.step("the init event, while the stream stays open", reader.next()),
      );
      t.expect(init.type, "the first event streamed across nodes").toBe("init");
    },
  });

  s.test({
    id: "stop-leaves-no-node",
    title: "after stop() no node serves the run and no process launched for it is left",
    clause: "DIST-12",
    setup: "driver",
    timeoutMs: FAULT_TEST_MS,
    run: async (t) => {
      const hooks = hooksOf(t);
      const own = await t.step("startNode", hooks.startNode(), 20_000);
      const id = await newProbe(t);
      await t.step("increment", probe(t.manager, id, "increment", [1]));
      await t.step("stop", t.driver.stop(), 15_000);
      const nodes = await hooks.listNodes();
      t.expect(
        nodes.filter((n) => n.alive).map((n) => n.nodeId),
        "nodes still serving after stop",
      ).toEqual([]);
      let running = true;
      try {
        process.kill(own.pid, 0);
      } catch {
        running = false;
      }
      t.expect(running, `process ${own.pid} of the node started for this run, after stop()`).toBe(
        false,
      );
    },
  });
});

import { describe, expect, onTestFinished, test } from "vitest";
import { actor } from "../actor/definition.ts";
import { createInitialPersistedData } from "../actor/persistence.ts";
import { setup } from "../actor/registry.ts";
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";
import type { ActorDriver } from "./actor-driver.ts";
import { createLocalActorHost } from "./create-local-actor-host.ts";
import type { ActorOutput, ManagerDriver } from "./manager-driver.ts";

/** A host over an in-test map of actors; `failStarts` makes the next N starts of "flaky" fail. */
function hostFixture() {
  const state = { starts: 0, failStarts: 0, alarms: 0 };
  const flaky = actor({
    state: { n: 0 },
    onStart: async () => {
      state.starts++;
      // Let concurrent loads pile up on the same start.
      await new Promise((r) => setTimeout(r, 5));
      if (state.failStarts > 0) {
        state.failStarts--;
        throw new Error("start failed on purpose");
      }
    },
    actions: {
      ping: () => "pong",
      later: async (c) => {
        // Due at once, so firing the alarm right away must run it.
        await c.schedule.at(Date.now(), "tick");
        return "scheduled";
      },
      tick: () => {
        state.alarms++;
      },
    },
    onWebSocket: (_c, socket) => {
      socket.addEventListener("message", (event) => socket.send(event.data));
    },
  });
  const registry = setup({ use: { flaky } });
  const actors = new Map<string, { output: ActorOutput; data: Uint8Array }>();
  const alarms: [string, number][] = [];
  const add = (actorId: string, name = "flaky") => {
    actors.set(actorId, {
      output: { actorId, name, key: [actorId] },
      data: createInitialPersistedData(undefined),
    });
  };
  const actorDriver: ActorDriver = {
    readPersistedData: async (id) => actors.get(id)?.data,
    writePersistedData: async (id, data) => {
      actors.get(id)!.data = data;
    },
    setAlarm: async (id, ts) => {
      alarms.push([id, ts]);
    },
  };
  const host = createLocalActorHost({
    registry,
    actorDriver,
    getActorMetadata: async (id) => actors.get(id)?.output,
    managerDriver: () => ({}) as ManagerDriver,
  });
  onTestFinished(() => host.stop());
  return { host, state, add, alarms };
}

const actionRequest = (name: string) =>
  new Request(`http://actor/action/${name}`, {
    method: "POST",
    headers: { "x-actor-encoding": "json" },
    body: JSON.stringify({ args: [] }),
  });

describe("createLocalActorHost(): loadActor", () => {
  test("concurrent loads share one start", async () => {
    const { host, state, add } = hostFixture();
    add("a");
    const loaded = await Promise.all(Array.from({ length: 20 }, () => host.loadActor("a")));
    expect(new Set(loaded).size).toBe(1);
    expect(state.starts).toBe(1);
  });

  test("a failed start rejects every waiter, and a later load retries (LIFE-3)", async () => {
    const { host, state, add } = hostFixture();
    add("a");
    state.failStarts = 1;
    const original = console.error;
    console.error = () => {};
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => host.loadActor("a")),
      );
      expect(results.every((r) => r.status === "rejected")).toBe(true);
      expect(state.starts).toBe(1);
      const retried = await host.loadActor("a");
      expect(retried.actorId).toBe("a");
      expect(state.starts).toBe(2);
    } finally {
      console.error = original;
    }
  });

  test("an unknown id is actor_not_found", async () => {
    const { host } = hostFixture();
    await expect(host.loadActor("nope")).rejects.toMatchObject({ code: "actor_not_found" });
  });

  test("an id whose name is not registered is actor_not_found", async () => {
    const { host, add } = hostFixture();
    add("b", "gone");
    await expect(host.loadActor("b")).rejects.toMatchObject({ code: "actor_not_found" });
  });
});

describe("createLocalActorHost(): routing", () => {
  test("sendRequest and proxyRequest reach the actor router", async () => {
    const { host, add } = hostFixture();
    add("a");
    for (const send of [host.sendRequest, host.proxyRequest]) {
      const res = await send("a", actionRequest("ping"));
      expect(await res.json()).toEqual({ output: "pong" });
    }
  });

  test("openWebSocket resolves an open socket on which text stays text and binary stays binary (ROUTE-3)", async () => {
    const { host, add } = hostFixture();
    add("a");
    const socket = await host.openWebSocket(
      "a",
      new Request("http://actor/raw/websocket/x", {
        headers: { "sec-websocket-protocol": "chat, actor.v1" },
      }),
    );
    onTestFinished(() => socket.close());
    expect(socket.readyState).toBe(1);
    expect(socket.protocol).toBe("actor.v1");
    const got = collect(socket, 2);
    socket.send("text");
    socket.send(new Uint8Array([4, 5]));
    const [text, binary] = await got;
    expect(text).toBe("text");
    expect([...new Uint8Array(binary as ArrayBuffer)]).toEqual([4, 5]);
  });

  test("fireAlarm runs due scheduled events (SCHED-1)", async () => {
    const { host, state, add, alarms } = hostFixture();
    add("a");
    await (await host.sendRequest("a", actionRequest("later"))).json();
    expect(alarms.length).toBeGreaterThan(0);
    await host.fireAlarm("a");
    expect(state.alarms).toBe(1);
  });

  test("after stop() every call rejects", async () => {
    const { host, add } = hostFixture();
    add("a");
    await host.loadActor("a");
    await host.stop();
    await expect(host.loadActor("a")).rejects.toMatchObject({ code: "internal_error" });
    await expect(host.sendRequest("a", actionRequest("ping"))).rejects.toBeDefined();
    await host.stop();
  });
});

function collect(socket: UniversalWebSocket, count: number): Promise<(string | ArrayBuffer)[]> {
  const seen: (string | ArrayBuffer)[] = [];
  return new Promise((resolve) =>
    socket.addEventListener("message", (event) => {
      seen.push(event.data);
      if (seen.length === count) resolve(seen);
    }),
  );
}

/**
 * Sleep in the local actor host, below the certification suite: what a driver sees
 * (ActorDriver.onSleep after the last write, before the next start), the paths the suite cannot
 * force (a failing sleep save, a throwing onSleep, `noSleep`, the host's `sleep: false`, a forced
 * unload through the handle) and the idle bound measured by the runtime's own clock.
 */
import { describe, expect, onTestFinished, test } from "vitest";
import { actor } from "../actor/definition.ts";
import { createInitialPersistedData, decodePersistedData } from "../actor/persistence.ts";
import { setup } from "../actor/registry.ts";
import type { ActorDriver } from "./actor-driver.ts";
import { createLocalActorHost } from "./create-local-actor-host.ts";
import type { ManagerDriver } from "./manager-driver.ts";

const TIMEOUT_MS = 30;

/** Lifecycle events of every instance, in order, for assertions. */
type Event = string;

function fixture(options: { hostSleep?: boolean; failWrites?: () => boolean } = {}) {
  const events: Event[] = [];
  /** Date.now() when onSleep last ran. */
  const clock = { sleptAt: 0 };
  const sleeper = actor({
    state: { n: 0, slept: 0 },
    createVars: () => ({ at: Date.now() }),
    options: { sleepTimeout: TIMEOUT_MS },
    onStart: () => void events.push("start"),
    onWake: () => void events.push("wake"),
    onSleep: (c) => {
      c.state.slept += 1;
      clock.sleptAt = Date.now();
      events.push("sleep");
    },
    actions: {
      add: (c, by: number) => (c.state.n += by),
      read: (c) => ({ ...c.state, since: c.vars.at, now: Date.now() }),
      nap: (c) => c.sleep(),
    },
  });
  const throwing = actor({
    state: { n: 0 },
    options: { sleepTimeout: TIMEOUT_MS },
    onSleep: () => {
      events.push("throwing-sleep");
      throw new Error("onSleep failed on purpose");
    },
    onStart: () => void events.push("throwing-start"),
    actions: { read: (c) => c.state.n, nap: (c) => c.sleep() },
  });
  const awake = actor({
    state: {},
    options: { sleepTimeout: TIMEOUT_MS, noSleep: true },
    onStart: () => void events.push("awake-start"),
    actions: { nap: (c) => c.sleep() },
  });
  const restless = actor({
    state: { served: 0 },
    options: { sleepTimeout: 60_000 },
    onStart: (c) => {
      events.push("restless-start");
      c.sleep();
    },
    actions: { serve: (c) => (c.state.served += 1) },
  });
  const registry = setup({ use: { sleeper, throwing, awake, restless } });
  const data = new Map<string, Uint8Array>();
  const actorDriver: ActorDriver = {
    readPersistedData: async (id) => {
      events.push(`read ${id}`);
      return data.get(id);
    },
    writePersistedData: async (id, bytes) => {
      if (options.failWrites?.()) throw new Error("disk full");
      data.set(id, bytes);
    },
    setAlarm: async () => {},
    onSleep: async (id) => {
      const stored = decodePersistedData(data.get(id)!, id);
      events.push(`driver onSleep ${id} asleep=${stored.asleep === true}`);
      await new Promise((r) => setTimeout(r, 20));
      events.push(`driver released ${id}`);
    },
  };
  for (const id of ["s", "t", "a", "r"]) data.set(id, createInitialPersistedData(undefined));
  const names: Record<string, string> = { s: "sleeper", t: "throwing", a: "awake", r: "restless" };
  const host = createLocalActorHost({
    registry,
    actorDriver,
    getActorMetadata: async (id) => ({ actorId: id, name: names[id]!, key: [id] }),
    managerDriver: () => ({}) as ManagerDriver,
    sleep: options.hostSleep,
  });
  onTestFinished(() => host.stop());
  const call = async (id: string, name: string, args: unknown[] = []) => {
    const res = await host.sendRequest(
      id,
      new Request(`http://actor/action/${name}`, {
        method: "POST",
        headers: { "x-actor-encoding": "json", "x-actor-internal-expose-errors": "1" },
        body: JSON.stringify({ args }),
      }),
    );
    const body = (await res.json()) as { output?: unknown; message?: string };
    if (!res.ok) throw new Error(`${name}: ${res.status} ${body.message}`);
    return body.output;
  };
  return { events, host, call, data, clock };
}

const until = (check: () => boolean) =>
  expect.poll(check, { timeout: 3000, interval: 5 }).toBe(true);

describe("local actor host: sleep", () => {
  test("the driver is told after the last write, and the next start waits for its release", async () => {
    const { events, call } = fixture();
    await call("s", "add", [2]);
    await call("s", "nap");
    await until(() => events.includes("driver onSleep s asleep=true"));
    // A request during the release is served by the next instance, after it.
    const read = (await call("s", "read")) as { n: number; slept: number };
    expect(read).toMatchObject({ n: 2, slept: 1 });
    const released = events.indexOf("driver released s");
    const secondRead = events.lastIndexOf("read s");
    expect(released, events.join(" | ")).toBeGreaterThan(-1);
    expect(secondRead, events.join(" | ")).toBeGreaterThan(released);
    expect(events.filter((e) => e === "wake")).toHaveLength(1);
  });

  test("an idle actor sleeps no sooner than its timeout after its last request", async () => {
    const { events, call, clock } = fixture();
    // `now` is taken inside the action, before the request ends and the idle time starts.
    const { now } = (await call("s", "read")) as { now: number };
    await until(() => events.includes("sleep"));
    // 1 ms of slack for the millisecond clock.
    expect(clock.sleptAt - now).toBeGreaterThanOrEqual(TIMEOUT_MS - 1);
  });

  test("a failing sleep save keeps the actor loaded with its state; it sleeps once writes work", async () => {
    let failing = false;
    const { events, call } = fixture({ failWrites: () => failing });
    await call("s", "add", [5]);
    failing = true;
    const log = console.error;
    console.error = () => {};
    try {
      await call("s", "nap");
      await until(() => events.includes("sleep"));
      // The abandoned sleep dropped nothing: no release, no second instance.
      expect(events.some((e) => e.startsWith("driver onSleep"))).toBe(false);
      expect(events.filter((e) => e === "start")).toHaveLength(1);
      failing = false;
      await until(() => events.some((e) => e.startsWith("driver onSleep s")));
    } finally {
      console.error = log;
    }
    // onSleep ran for the abandoned attempt and for the sleep, but the abandoned attempt's change
    // went with its failed write (PERSIST-9: a rejected write leaves no trace); the action's stays.
    expect(events.filter((e) => e === "sleep")).toHaveLength(2);
    expect((await call("s", "read")) as { n: number; slept: number }).toMatchObject({
      n: 5,
      slept: 1,
    });
    expect(events.filter((e) => e === "start")).toHaveLength(2);
  });

  test("an onSleep that throws is logged and the actor still sleeps", async () => {
    const { events, call } = fixture();
    const log = console.error;
    console.error = () => {};
    try {
      await call("t", "nap");
      await until(() => events.some((e) => e.startsWith("driver onSleep t")));
    } finally {
      console.error = log;
    }
    expect(await call("t", "read")).toBe(0);
    expect(events.filter((e) => e === "throwing-start")).toHaveLength(2);
  });

  test("noSleep and the host's sleep: false keep actors loaded; c.sleep() is ignored", async () => {
    const a = fixture();
    await a.call("a", "nap");
    const b = fixture({ hostSleep: false });
    await b.call("s", "nap");
    // Let several timeouts pass, measured by a sleeping actor of the first host.
    await a.call("s", "read");
    await until(() => a.events.includes("driver released s"));
    await a.call("s", "read");
    await until(() => a.events.filter((e) => e === "driver released s").length === 2);
    expect(a.events.filter((e) => e === "awake-start")).toHaveLength(1);
    expect(b.events).not.toContain("sleep");
    expect(b.events.filter((e) => e === "start")).toHaveLength(1);
  });

  test("c.sleep() in onStart never sleeps before the request that woke the actor is served", async () => {
    const { events, call } = fixture();
    for (let i = 1; i <= 3; i++) {
      expect(await call("r", "serve")).toBe(i);
      await until(() => events.filter((e) => e === "driver released r").length === i);
    }
    expect(events.filter((e) => e === "restless-start")).toHaveLength(3);
  });

  test("handle.stop() unloads at once; the next request starts a new instance", async () => {
    const { events, call, host } = fixture();
    await call("s", "add", [1]);
    const handle = await host.loadActor("s");
    await handle.stop();
    expect((await call("s", "read")) as { n: number }).toMatchObject({ n: 1 });
    expect(events.filter((e) => e === "start")).toHaveLength(2);
    expect(events, "a forced unload is not a sleep").not.toContain("wake");
    expect(await host.loadActor("s"), "one handle per actor").toBe(handle);
  });
});

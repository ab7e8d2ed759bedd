import { describe, expect, onTestFinished, test } from "vitest";
import { encodeCbor } from "../protocol/values.ts";
import { actor } from "./definition.ts";
import { ActorError } from "./errors.ts";
import { startActorInstance } from "./instance.ts";
import {
  createTestActor,
  statelessRequest,
  type TestActor,
  TestActorDriver,
} from "./test-helpers.ts";

async function start(
  definition: Parameters<typeof createTestActor>[0],
  options?: Parameters<typeof createTestActor>[1],
) {
  const t = await createTestActor(definition, options);
  onTestFinished(() => t.stop());
  return t;
}

const call = (t: TestActor, name: string, ...args: unknown[]) =>
  t.instance.runStatelessAction(name, args, statelessRequest());

function startRaw(driver: TestActorDriver, actorId: string, definition = actor({ actions: {} })) {
  return startActorInstance({
    definition,
    actorId,
    name: "test",
    key: [],
    region: "local",
    actorDriver: driver,
    createClient: () => undefined,
    log: () => {},
  });
}

describe("start sequence", () => {
  test("createState and onCreate run once per actor with the input; onStart on every start (LIFE-1, LIFE-2, MGR-6)", async () => {
    const calls: string[] = [];
    const d = actor({
      createState: (_c, { input }: { input: { start: number } }) => {
        calls.push(`createState:${input.start}`);
        return { count: input.start, created: "" };
      },
      onCreate: (c, { input }) => {
        calls.push(`onCreate:${input.start}`);
        c.state.created = "yes";
      },
      onStart: (c) => void calls.push(`onStart:${c.state.count}`),
      actions: { get: (c) => c.state },
    });
    const t = await start(d, { input: { start: 5 } });
    expect(await call(t, "get")).toEqual({ count: 5, created: "yes" });
    await t.instance.stop();
    const again = await t.restart();
    expect(await again.runStatelessAction("get", [], statelessRequest())).toEqual({
      count: 5,
      created: "yes",
    });
    expect(calls).toEqual(["createState:5", "onCreate:5", "onStart:5", "onStart:5"]);
  });

  test("an actor created without input sees undefined, and static state is deep-cloned per actor", async () => {
    let seen: unknown = "unset";
    const initial = { list: [1] };
    const d = actor({
      state: initial,
      onCreate: (_c, { input }) => {
        seen = input;
      },
      actions: { push: (c) => c.state.list.push(2) },
    });
    const t = await start(d);
    await call(t, "push");
    expect(seen).toBeUndefined();
    expect(initial.list).toEqual([1]);
  });

  test("static vars are deep-cloned per instance (VARS-1)", async () => {
    const vars = { nested: { hits: 0 } };
    const d = actor({ vars, actions: { hit: (c) => ++c.vars.nested.hits } });
    const t = await start(d);
    expect(await call(t, "hit")).toBe(1);
    expect(await call(t, "hit")).toBe(2);
    const other = await start(d);
    expect(await call(other, "hit")).toBe(1);
    expect(vars.nested.hits).toBe(0);
  });

  test("createVars runs per instance with the driver context, and its value is kept (VARS-2, VARS-3)", async () => {
    const driver = new TestActorDriver();
    driver.context = { isTest: true };
    let runs = 0;
    const d = actor({
      createVars: (_c, driverContext: { isTest: boolean }) => ({
        run: ++runs,
        isTest: driverContext.isTest,
      }),
      actions: { vars: (c) => c.vars },
    });
    const t = await start(d, { driver });
    expect(await call(t, "vars")).toEqual({ run: 1, isTest: true });
    expect(await call(t, "vars")).toEqual({ run: 1, isTest: true });
    await t.instance.stop();
    const again = await t.restart();
    expect(await again.runStatelessAction("vars", [], statelessRequest())).toEqual({
      run: 2,
      isTest: true,
    });
  });

  test("a start that throws rejects actor_start_failed with the original message and cause", async () => {
    const boom = new Error("onStart exploded");
    const d = actor({
      state: {},
      onStart: () => {
        throw boom;
      },
      actions: {},
    });
    const error = await createTestActor(d).catch((e) => e);
    expect(error).toBeInstanceOf(ActorError);
    expect(error.code).toBe("actor_start_failed");
    expect(error.message).toBe("onStart exploded");
    expect(error.cause).toBe(boom);
  });

  test("a createVars slower than createVarsTimeout fails the start", async () => {
    const d = actor({
      createVars: () => new Promise(() => {}),
      actions: {},
      options: { createVarsTimeout: 10 },
    });
    await expect(createTestActor(d)).rejects.toMatchObject({
      code: "actor_start_failed",
      message: /createVars .*10 ms/,
    });
  });

  test("an actor never created is actor_not_found; unreadable bytes are persisted_data_corrupt (PERSIST-5)", async () => {
    const driver = new TestActorDriver();
    await expect(startRaw(driver, "missing")).rejects.toMatchObject({ code: "actor_not_found" });
    driver.storage.set("bad", new Uint8Array([1, 2, 3]));
    await expect(startRaw(driver, "bad")).rejects.toMatchObject({ code: "persisted_data_corrupt" });
    driver.storage.set("wrong-shape", encodeCbor(["not", "a", "blob"]));
    await expect(startRaw(driver, "wrong-shape")).rejects.toMatchObject({
      code: "persisted_data_corrupt",
    });
  });

  test("c.state and c.vars throw *_not_enabled when the actor declares none", async () => {
    const t = await start(actor({ actions: { state: (c) => c.state, vars: (c) => c.vars } }));
    await expect(call(t, "state")).rejects.toMatchObject({ code: "state_not_enabled" });
    await expect(call(t, "vars")).rejects.toMatchObject({ code: "vars_not_enabled" });
  });

  test("metadata reaches the context (META-1)", async () => {
    const t = await start(
      actor({ actions: { meta: (c) => [c.actorId, c.name, c.key, c.region] } }),
      {
        name: "counter",
        key: ["a", "b"],
      },
    );
    expect(await call(t, "meta")).toEqual([t.actorId, "counter", ["a", "b"], "local"]);
  });

  test("c.client() calls createClient once, lazily", async () => {
    const client = { marker: 1 };
    let created = 0;
    const t = await start(actor({ actions: { clients: (c) => [c.client(), c.client()] } }), {
      createClient: () => {
        created++;
        return client;
      },
    });
    expect(created, "not created before first use").toBe(0);
    expect(await call(t, "clients")).toEqual([client, client]);
    expect(created).toBe(1);
  });

  test("stop() is idempotent and refuses later work", async () => {
    const t = await start(actor({ actions: { ping: () => "pong" } }));
    await Promise.all([t.instance.stop(), t.instance.stop()]);
    await expect(call(t, "ping")).rejects.toMatchObject({
      code: "internal_error",
      message: /stopped/,
    });
  });
});

import { describe, expect, onTestFinished, test } from "vitest";
import { actor } from "./definition.ts";
import { ActorError, MASKED_MESSAGE, UserError } from "./errors.ts";
import {
  connectRequest,
  createTestActor,
  RecordingTransport,
  statelessRequest,
  type TestActor,
} from "./test-helpers.ts";

const sample = actor({
  state: { value: 0 },
  actions: {
    sync: (c, x: number) => (c.state.value += x),
    async: async (c, x: number) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      c.state.value += x;
      return c.state.value;
    },
    promise: () => Promise.resolve("resolved"),
    slow: () => new Promise((resolve) => setTimeout(() => resolve("late"), 200)),
    quick: () => new Promise((resolve) => setTimeout(() => resolve("quick"), 1)),
    userError: () => {
      throw new UserError("Detailed error message", {
        code: "detailed_error",
        metadata: { reason: "test" },
      });
    },
    rejected: () => Promise.reject(new UserError("promised rejection")),
    internal: () => {
      throw new Error("secret internals");
    },
    big: () => 10n,
    value: (c) => c.state.value,
  },
  options: { actionTimeout: 50 },
});

async function start(): Promise<TestActor> {
  const t = await createTestActor(sample, { name: "sample", key: ["k1"] });
  onTestFinished(() => t.stop());
  return t;
}

const call = (t: TestActor, name: string, ...args: unknown[]) =>
  t.instance.runStatelessAction(name, args, statelessRequest());

describe("actions", () => {
  test("synchronous, async and promise-returning actions return their value (ACT-1)", async () => {
    const t = await start();
    expect(await call(t, "sync", 2)).toBe(2);
    expect(await call(t, "async", 3)).toBe(5);
    expect(await call(t, "promise")).toBe("resolved");
  });

  test("concurrent actions all complete and keep every state change (ACT-5)", async () => {
    const t = await start();
    await Promise.all(Array.from({ length: 20 }, () => call(t, "async", 1)));
    expect(await call(t, "value")).toBe(20);
    expect(t.driver.blob(t.actorId).state).toEqual({ value: 20 });
  });

  test("an async action slower than actionTimeout fails with action_timed_out; a quick one succeeds (ACT-4)", async () => {
    const t = await start();
    await expect(call(t, "slow")).rejects.toMatchObject({
      code: "action_timed_out",
      message: /"slow".*50 ms/,
    });
    expect(await call(t, "quick")).toBe("quick");
  });

  test("an unknown or inherited action name is action_not_found naming the action and the actor (ACT-3)", async () => {
    const t = await start();
    for (const name of ["nope", "toString", "__proto__", "constructor"]) {
      const error = (await call(t, name).catch((e) => e)) as ActorError;
      expect(error).toBeInstanceOf(ActorError);
      expect(error.code).toBe("action_not_found");
      expect(error.message).toContain(JSON.stringify(name));
      expect(error.message).toContain('sample/["k1"]');
    }
  });

  test("a stateless action rejects with the original error; the router masks it", async () => {
    const t = await start();
    await expect(call(t, "userError")).rejects.toMatchObject({
      code: "detailed_error",
      message: "Detailed error message",
      metadata: { reason: "test" },
    });
    await expect(call(t, "rejected")).rejects.toMatchObject({
      code: "user_error",
      message: "promised rejection",
    });
    await expect(call(t, "internal")).rejects.toThrow("secret internals");
    expect(await call(t, "sync", 1), "the actor keeps working after errors (ERR-6)").toBe(1);
  });

  test("connection actions reply with output, or an error carrying the user error's code, message and metadata (ERR-2)", async () => {
    const t = await start();
    const transport = new RecordingTransport("cbor");
    const conn = await t.instance.connect(connectRequest(transport));
    await t.instance.handleMessage(conn.id, { type: "action", id: 7, name: "big", args: [] });
    await t.instance.handleMessage(conn.id, { type: "action", id: 8, name: "userError", args: [] });
    expect(transport.messages.slice(1)).toEqual([
      { type: "action_response", id: 7, output: 10n },
      {
        type: "error",
        code: "detailed_error",
        message: "Detailed error message",
        metadata: { reason: "test" },
        actionId: 8,
      },
    ]);
  });

  test("internal errors are masked on connections, shown with the expose header (ERR-3, ERR-4)", async () => {
    const t = await start();
    const pub = new RecordingTransport();
    const inline = new RecordingTransport();
    const cp = await t.instance.connect(connectRequest(pub));
    const ci = await t.instance.connect(
      connectRequest(inline, { headers: { "x-actor-internal-expose-errors": "1" } }),
    );
    await t.instance.handleMessage(cp.id, { type: "action", id: 1, name: "internal", args: [] });
    await t.instance.handleMessage(ci.id, { type: "action", id: 1, name: "internal", args: [] });
    expect(pub.ofType("error")).toEqual([
      { type: "error", code: "internal_error", message: MASKED_MESSAGE, actionId: 1 },
    ]);
    expect(inline.ofType("error")).toEqual([
      { type: "error", code: "internal_error", message: "secret internals", actionId: 1 },
    ]);
    expect(
      t.logs.some((l) => l.level === "error" && String(l.data?.error).includes("secret internals")),
    ).toBe(true);
  });

  test("an output the connection's encoding cannot carry gets a serialization_error reply", async () => {
    const t = await start();
    const transport = new RecordingTransport("json");
    const conn = await t.instance.connect(connectRequest(transport));
    await t.instance.handleMessage(conn.id, { type: "action", id: 3, name: "big", args: [] });
    expect(transport.messages[1]).toMatchObject({
      type: "error",
      code: "serialization_error",
      actionId: 3,
    });
  });

  test("timeouts, unknown actions and errors on a connection fail that action only", async () => {
    const t = await start();
    const transport = new RecordingTransport();
    const conn = await t.instance.connect(connectRequest(transport));
    await t.instance.handleMessage(conn.id, { type: "action", id: 1, name: "slow", args: [] });
    await t.instance.handleMessage(conn.id, { type: "action", id: 2, name: "missing", args: [] });
    await t.instance.handleMessage(conn.id, { type: "action", id: 3, name: "sync", args: [4] });
    expect(
      transport.messages.slice(1).map((m) => [m.type, "code" in m ? m.code : undefined]),
    ).toEqual([
      ["error", "action_timed_out"],
      ["error", "action_not_found"],
      ["action_response", undefined],
    ]);
    expect(transport.closedWith).toBeNull();
  });
});

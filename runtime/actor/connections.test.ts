import { describe, expect, onTestFinished, test } from "vitest";
import type { Conn } from "./connection.ts";
import { actor } from "./definition.ts";
import {
  connectRequest,
  createTestActor,
  RecordingTransport,
  statelessRequest,
  type TestActor,
} from "./test-helpers.ts";

async function start(definition: Parameters<typeof createTestActor>[0]): Promise<TestActor> {
  const t = await createTestActor(definition);
  onTestFinished(() => t.stop());
  return t;
}

/** An actor that records every connection hook, in order. */
function hookRecorder() {
  const events: string[] = [];
  const definition = actor({
    state: { n: 0 },
    createConnState: (_c, { params }: { params: { name: string } | undefined }) => {
      events.push(`createConnState:${params?.name}`);
      return { name: params?.name ?? "anon", calls: 0 };
    },
    onBeforeConnect: (_c, { params }) => void events.push(`onBeforeConnect:${params?.name}`),
    onConnect: (_c, conn) => void events.push(`onConnect:${conn.state.name}`),
    onDisconnect: (_c, conn) => void events.push(`onDisconnect:${conn.state.name}`),
    actions: {
      whoami: (c) => {
        c.conn.state.calls++;
        return {
          id: c.conn.id,
          params: c.conn.params,
          state: c.conn.state,
          auth: c.conn.auth,
          open: c.conns.size,
        };
      },
      kick: (c, reason: string) => c.conn.disconnect(reason),
      tell: (c, id: string, text: string) => {
        c.conns.get(id)?.send("note", text);
      },
      shout: (c, ...args: unknown[]) => c.broadcast("news", ...args),
    },
  });
  return { events, definition };
}

describe("connections", () => {
  test("hooks run in order, init is the first message, and conn carries params, state and auth (CONN-2, CONN-8)", async () => {
    const { events, definition } = hookRecorder();
    const t = await start(definition);
    const transport = new RecordingTransport();
    const conn = await t.instance.connect(
      connectRequest(transport, { params: { name: "ann" }, authData: { user: 1 } }),
    );
    expect(events).toEqual(["onBeforeConnect:ann", "createConnState:ann", "onConnect:ann"]);
    expect(transport.messages[0]).toEqual({
      type: "init",
      actorId: t.actorId,
      connectionId: conn.id,
      connectionToken: conn.token,
      protocolVersion: 1,
      heartbeatIntervalMs: 15_000,
    });
    expect(conn.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await t.instance.handleMessage(conn.id, { type: "action", id: 1, name: "whoami", args: [] });
    expect(transport.messages[1]).toEqual({
      type: "action_response",
      id: 1,
      output: {
        id: conn.id,
        params: { name: "ann" },
        state: { name: "ann", calls: 1 },
        auth: { user: 1 },
        open: 1,
      },
    });
  });

  test("each connection has its own state (CONN-3)", async () => {
    const { definition } = hookRecorder();
    const t = await start(definition);
    const [a, b] = [new RecordingTransport(), new RecordingTransport()];
    const ca = await t.instance.connect(connectRequest(a, { params: { name: "a" } }));
    const cb = await t.instance.connect(connectRequest(b, { params: { name: "b" } }));
    await t.instance.handleMessage(ca.id, { type: "action", id: 1, name: "whoami", args: [] });
    await t.instance.handleMessage(ca.id, { type: "action", id: 2, name: "whoami", args: [] });
    await t.instance.handleMessage(cb.id, { type: "action", id: 1, name: "whoami", args: [] });
    expect(a.ofType("action_response")[1].output).toMatchObject({
      state: { name: "a", calls: 2 },
      open: 2,
    });
    expect(b.ofType("action_response")[0].output).toMatchObject({ state: { name: "b", calls: 1 } });
  });

  test("onBeforeConnect throwing refuses the connection: nothing sent, no onDisconnect (CONN-7)", async () => {
    const events: string[] = [];
    const t = await start(
      actor({
        onBeforeConnect: () => {
          throw Object.assign(new Error("nope"), {});
        },
        onDisconnect: () => void events.push("onDisconnect"),
        actions: { count: (c) => c.conns.size },
      }),
    );
    const transport = new RecordingTransport();
    await expect(t.instance.connect(connectRequest(transport))).rejects.toThrow("nope");
    expect(transport.messages).toEqual([]);
    expect(events).toEqual([]);
    expect(t.instance.connections.size).toBe(0);
  });

  test("onConnect throwing rejects connect after init, removes the connection and runs onDisconnect once", async () => {
    const events: string[] = [];
    const t = await start(
      actor({
        onConnect: () => {
          throw new Error("onConnect failed");
        },
        onDisconnect: () => void events.push("onDisconnect"),
        actions: {},
      }),
    );
    const transport = new RecordingTransport();
    await expect(t.instance.connect(connectRequest(transport))).rejects.toThrow("onConnect failed");
    expect(transport.messages.map((m) => m.type)).toEqual(["init"]);
    expect(events).toEqual(["onDisconnect"]);
    expect(t.instance.connections.size).toBe(0);
  });

  test("onDisconnect runs exactly once whatever ends the connection (CONN-9)", async () => {
    const { events, definition } = hookRecorder();
    const t = await start(definition);
    // 1. the client side ends: the host calls closeConnection, possibly twice.
    const a = await t.instance.connect(
      connectRequest(new RecordingTransport(), { params: { name: "a" } }),
    );
    await Promise.all([t.instance.closeConnection(a.id), t.instance.closeConnection(a.id)]);
    await t.instance.closeConnection(a.id);
    // 2. the actor ends it with conn.disconnect(reason); the host then reports the close too.
    const bt = new RecordingTransport();
    const b = await t.instance.connect(connectRequest(bt, { params: { name: "b" } }));
    await t.instance.handleMessage(b.id, { type: "action", id: 1, name: "kick", args: ["bye"] });
    await t.instance.closeConnection(b.id);
    expect(bt.closedWith).toBe("bye");
    // 3. the actor stops.
    const ct = new RecordingTransport();
    await t.instance.connect(connectRequest(ct, { params: { name: "c" } }));
    await t.instance.stop();
    expect(ct.closedWith).not.toBeNull();
    expect(events.filter((e) => e.startsWith("onDisconnect"))).toEqual([
      "onDisconnect:a",
      "onDisconnect:b",
      "onDisconnect:c",
    ]);
    expect(t.instance.connections.size).toBe(0);
  });

  test("messages to a closed or unknown connection are conn_not_found; a wrong token is incorrect_conn_token (CONN-10)", async () => {
    const { definition } = hookRecorder();
    const t = await start(definition);
    const conn = await t.instance.connect(connectRequest(new RecordingTransport()));
    expect(t.instance.authorizeConnection(conn.id, conn.token).id).toBe(conn.id);
    expect(() => t.instance.authorizeConnection(conn.id, `${conn.token.slice(0, -1)}x`)).toThrow(
      expect.objectContaining({ code: "incorrect_conn_token" }),
    );
    expect(() => t.instance.authorizeConnection("nope", conn.token)).toThrow(
      expect.objectContaining({ code: "conn_not_found" }),
    );
    await t.instance.closeConnection(conn.id);
    await expect(
      t.instance.handleMessage(conn.id, { type: "subscribe", event: "x" }),
    ).rejects.toMatchObject({
      code: "conn_not_found",
    });
  });

  test("conn.send reaches only that connection, subscribed or not (CONN-5)", async () => {
    const { definition } = hookRecorder();
    const t = await start(definition);
    const [a, b] = [new RecordingTransport(), new RecordingTransport()];
    const ca = await t.instance.connect(connectRequest(a));
    const cb = await t.instance.connect(connectRequest(b));
    await t.instance.handleMessage(ca.id, {
      type: "action",
      id: 1,
      name: "tell",
      args: [cb.id, "hi"],
    });
    expect(b.ofType("event")).toEqual([{ type: "event", name: "note", args: ["hi"] }]);
    expect(a.ofType("event")).toEqual([]);
  });

  test("broadcast reaches subscribers only, each event once and in order (EVT-1..3)", async () => {
    const { definition } = hookRecorder();
    const t = await start(definition);
    const [sub, other, gone] = [
      new RecordingTransport(),
      new RecordingTransport(),
      new RecordingTransport("cbor"),
    ];
    const cs = await t.instance.connect(connectRequest(sub));
    await t.instance.connect(connectRequest(other));
    const cg = await t.instance.connect(connectRequest(gone));
    await t.instance.handleMessage(cs.id, { type: "subscribe", event: "news" });
    await t.instance.handleMessage(cg.id, { type: "subscribe", event: "news" });
    await t.instance.handleMessage(cg.id, { type: "unsubscribe", event: "news" });
    for (let i = 0; i < 100; i++) {
      await t.instance.runStatelessAction("shout", [i], statelessRequest());
    }
    expect(sub.ofType("event").map((e) => e.args[0])).toEqual(
      Array.from({ length: 100 }, (_, i) => i),
    );
    expect(other.ofType("event")).toEqual([]);
    expect(gone.ofType("event")).toEqual([]);
  });

  test("a subscribe then an action on one connection are handled in arrival order", async () => {
    const { definition } = hookRecorder();
    const t = await start(definition);
    const transport = new RecordingTransport();
    const conn = await t.instance.connect(connectRequest(transport));
    const sub = t.instance.handleMessage(conn.id, { type: "subscribe", event: "news" });
    const act = t.instance.handleMessage(conn.id, {
      type: "action",
      id: 1,
      name: "shout",
      args: ["first"],
    });
    await Promise.all([sub, act]);
    expect(transport.ofType("event")).toEqual([{ type: "event", name: "news", args: ["first"] }]);
  });

  test("broadcast encodes once per encoding and refuses values an encoding cannot carry before sending", async () => {
    const { definition } = hookRecorder();
    const t = await start(definition);
    const json = [1, 2, 3].map(
      () => new RecordingTransport("json", "websocket", { encodedSends: true }),
    );
    const cbor = new RecordingTransport("cbor", "websocket", { encodedSends: true });
    for (const transport of [...json, cbor]) {
      const conn = await t.instance.connect(connectRequest(transport));
      await t.instance.handleMessage(conn.id, { type: "subscribe", event: "news" });
    }
    await t.instance.runStatelessAction("shout", ["x"], statelessRequest());
    const payloads = json.map((tr) => tr.encodedPayloads[0]);
    expect(typeof payloads[0]).toBe("string");
    expect(payloads.every((p) => p === payloads[0])).toBe(true);
    expect(cbor.encodedPayloads[0]).toBeInstanceOf(Uint8Array);
    await expect(
      t.instance.runStatelessAction("shout", [10n], statelessRequest()),
    ).rejects.toMatchObject({
      code: "serialization_error",
    });
    expect(cbor.ofType("event")).toHaveLength(1);
  });

  test("a stateless action runs onBeforeConnect, onConnect and onDisconnect once and is in c.conns while it runs (ACT-6)", async () => {
    const { events, definition } = hookRecorder();
    const t = await start(definition);
    const out = (await t.instance.runStatelessAction(
      "whoami",
      [],
      statelessRequest({ params: { name: "h" } }),
    )) as {
      open: number;
    };
    expect(out.open).toBe(1);
    expect(events).toEqual([
      "onBeforeConnect:h",
      "createConnState:h",
      "onConnect:h",
      "onDisconnect:h",
    ]);
    expect(t.instance.connections.size).toBe(0);
  });

  test("conn.state without connection state is conn_state_not_enabled", async () => {
    const t = await start(actor({ actions: { s: (c) => (c.conn as Conn).state } }));
    await expect(t.instance.runStatelessAction("s", [], statelessRequest())).rejects.toMatchObject({
      code: "conn_state_not_enabled",
    });
  });
});

describe("subscription acks, disconnect notices and heartbeats", () => {
  test("a subscribe or unsubscribe with an id is acknowledged once in force; one without is not", async () => {
    const { definition } = hookRecorder();
    const t = await start(definition);
    const transport = new RecordingTransport();
    const conn = await t.instance.connect(connectRequest(transport));
    await t.instance.handleMessage(conn.id, { type: "subscribe", event: "news", id: 7 });
    expect(transport.messages.at(-1)).toEqual({ type: "subscription_ack", id: 7 });
    const count = transport.messages.length;
    await t.instance.handleMessage(conn.id, { type: "subscribe", event: "other" });
    expect(transport.messages.length, "no ack without an id").toBe(count);
    await t.instance.runStatelessAction("shout", [1], statelessRequest());
    expect(transport.messages.at(-1)).toEqual({ type: "event", name: "news", args: [1] });
    await t.instance.handleMessage(conn.id, { type: "unsubscribe", event: "news", id: 0 });
    expect(transport.messages.at(-1)).toEqual({ type: "subscription_ack", id: 0 });
  });

  test("conn.disconnect(reason) sends a disconnect notice with the reason, then closes (CONN-13)", async () => {
    const { definition } = hookRecorder();
    const t = await start(definition);
    const transport = new RecordingTransport("cbor", "sse");
    const conn = await t.instance.connect(connectRequest(transport));
    await t.instance.handleMessage(conn.id, { type: "action", id: 1, name: "kick", args: ["bye"] });
    expect(transport.messages.at(-1)).toEqual({ type: "disconnect", reason: "bye" });
    expect(transport.closedWith).toBe("bye");
  });

  test("each connection gets a heartbeat every connectionHeartbeatInterval until it closes", async () => {
    const t = await start(
      actor({ options: { connectionHeartbeatInterval: 20 }, actions: { nop: () => null } }),
    );
    let beats = 0;
    const transport = Object.assign(new RecordingTransport(), { heartbeat: () => beats++ });
    const conn = await t.instance.connect(connectRequest(transport));
    expect(transport.messages[0]).toMatchObject({ type: "init", heartbeatIntervalMs: 20 });
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(beats).toBeGreaterThanOrEqual(3);
    await t.instance.closeConnection(conn.id);
    const after = beats;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(beats, "no heartbeat after the close").toBe(after);
  });
});

/**
 * Unit tests of the connection logic against a scripted fake ClientDriver whose "server" is the
 * far end of an in-process socket pair (or a fake SSE stream), speaking real encoded frames.
 */
import { afterEach, describe, expect, it } from "vitest";
import { decodeToServer, encodeToClient, toSseData } from "../protocol/message-codec.ts";
import type { Encoding, ToClientMessage, ToServerMessage } from "../protocol/messages.ts";
import type { ActorQuery } from "../protocol/query.ts";
import { createSocketPair } from "../routing/socket-pair.ts";
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";
import type { ClientDriver, SseHandlers } from "./client-driver.ts";
import { ActorConnection, type ConnectionOptions } from "./connection.ts";
import { ClientActorError } from "./errors.ts";

/** A bounded wait for a condition that an event will make true. */
async function until(check: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** One accepted server-side socket: records what the client sent. */
class ServerSide {
  readonly received: ToServerMessage[] = [];
  closed = false;
  constructor(
    readonly socket: UniversalWebSocket,
    readonly encoding: Encoding,
    readonly query: ActorQuery,
  ) {
    socket.addEventListener("message", (e) => this.received.push(decodeToServer(e.data, encoding)));
    socket.addEventListener("close", () => (this.closed = true));
  }
  send(message: ToClientMessage): void {
    this.socket.send(encodeToClient(message, this.encoding) as string | Uint8Array);
  }
  init(n: number): void {
    this.send({
      type: "init",
      actorId: "actor-1",
      connectionId: `conn-${n}`,
      connectionToken: `tok-${n}`,
      protocolVersion: 1,
    });
  }
  async next(type?: string): Promise<ToServerMessage> {
    const start = this.received.length;
    await until(
      () => this.received.slice(start).some((m) => !type || m.type === type),
      `a ${type ?? "any"} message`,
    );
    return this.received.slice(start).find((m) => !type || m.type === type)!;
  }
}

/** A fake driver over socket pairs; `accept` decides how each new connection is answered. */
class FakeWsDriver {
  readonly servers: ServerSide[] = [];
  autoInit = true;
  constructor(readonly encoding: Encoding) {}
  readonly driver: ClientDriver = {
    kind: "fake",
    resolve: async () => "actor-1",
    action: async () => undefined,
    rawFetch: async () => new Response(null),
    rawWebSocket: async () => {
      throw new Error("unused");
    },
    connectWebSocket: async (query, { encoding }) => {
      const [client, server] = createSocketPair({ protocol: "actor.v1" });
      const side = new ServerSide(server, encoding, query);
      this.servers.push(side);
      if (this.autoInit) side.init(this.servers.length);
      return client;
    },
    connectSse: async () => {
      throw new Error("unused");
    },
    sendConnectionMessage: async () => undefined,
  };
}

const opened: ActorConnection[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((c) => c.dispose()));
});

function connect(driver: ClientDriver, extra: Partial<ConnectionOptions> = {}): ActorConnection {
  const conn = new ActorConnection({
    driver,
    query: { getForKey: { name: "counter", key: ["a"] } },
    encoding: "cbor",
    transport: "websocket",
    params: undefined,
    reconnectInitialMs: 1,
    reconnectMaxMs: 5,
    ...extra,
  });
  opened.push(conn);
  return conn;
}

describe.each(["json", "cbor"] as const)("ActorConnection over a websocket (%s)", (encoding) => {
  it("action() numbers ids from 0 and an error for id 0 fails only that action (no onError)", async () => {
    const fake = new FakeWsDriver(encoding);
    const conn = connect(fake.driver, { encoding });
    const errors: unknown[] = [];
    conn.onError((e) => errors.push(e));
    const first = conn.action("boom");
    const second = conn.action("ok", 1);
    await until(() => fake.servers.length > 0, "a socket");
    const server = fake.servers[0];
    await until(() => server.received.length === 2, "two actions");
    expect(server.received.map((m) => (m as { id: number }).id)).toEqual([0, 1]);
    server.send({
      type: "error",
      code: "user_error",
      message: "no",
      metadata: { n: 1 },
      actionId: 0,
    });
    server.send({ type: "action_response", id: 1, output: "fine" });
    await expect(first).rejects.toMatchObject({
      code: "user_error",
      message: "no",
      metadata: { n: 1 },
    });
    await expect(second).resolves.toBe("fine");
    expect(errors).toEqual([]);
    expect(conn.connectionId).toBe("conn-1");
  });

  it("replies are matched by id, in any order", async () => {
    const fake = new FakeWsDriver(encoding);
    const conn = connect(fake.driver, { encoding });
    await conn.waitForOpen();
    const calls = [conn.action("a"), conn.action("b"), conn.action("c")];
    const server = fake.servers[0];
    await until(() => server.received.length === 3, "three actions");
    for (const id of [2, 0, 1]) server.send({ type: "action_response", id, output: id * 10 });
    await expect(Promise.all(calls)).resolves.toEqual([0, 10, 20]);
  });

  it("on() subscribes once per event and the last removal unsubscribes", async () => {
    const fake = new FakeWsDriver(encoding);
    const conn = connect(fake.driver, { encoding });
    await conn.waitForOpen();
    const server = fake.servers[0];
    const seen: unknown[] = [];
    const offA = conn.on("tick", (n) => seen.push(["a", n]));
    const offB = conn.on("tick", (n) => seen.push(["b", n]));
    await server.next("subscribe");
    server.send({ type: "event", name: "tick", args: [1] });
    await until(() => seen.length === 2, "two listener calls");
    offA();
    offA();
    server.send({ type: "event", name: "tick", args: [2] });
    await until(() => seen.length === 3, "the remaining listener");
    expect(server.received.filter((m) => m.type === "unsubscribe")).toEqual([]);
    offB();
    await server.next("unsubscribe");
    expect(server.received.filter((m) => m.type !== "action")).toEqual([
      { type: "subscribe", event: "tick", id: 0 },
      { type: "unsubscribe", event: "tick", id: 1 },
    ]);
    expect(seen).toEqual([
      ["a", 1],
      ["b", 1],
      ["b", 2],
    ]);
  });

  it("once() fires a single time, then unsubscribes", async () => {
    const fake = new FakeWsDriver(encoding);
    const conn = connect(fake.driver, { encoding });
    await conn.waitForOpen();
    const server = fake.servers[0];
    const seen: unknown[] = [];
    conn.once("ping", (x) => seen.push(x));
    await server.next("subscribe");
    server.send({ type: "event", name: "ping", args: ["first"] });
    server.send({ type: "event", name: "ping", args: ["second"] });
    await server.next("unsubscribe");
    expect(seen).toEqual(["first"]);
  });

  it("a connection error message (no action id) reaches onError and leaves actions alone", async () => {
    const fake = new FakeWsDriver(encoding);
    const conn = connect(fake.driver, { encoding });
    await conn.waitForOpen();
    const server = fake.servers[0];
    const errors: ClientActorError[] = [];
    conn.onError((e) => errors.push(e));
    const call = conn.action("slow");
    await server.next("action");
    server.send({ type: "error", code: "malformed_message", message: "bad frame" });
    server.send({ type: "action_response", id: 0, output: 7 });
    await expect(call).resolves.toBe(7);
    expect(errors.map((e) => [e.code, e.message])).toEqual([["malformed_message", "bad frame"]]);
    expect(errors[0]).toBeInstanceOf(ClientActorError);
  });

  it("a server drop rejects in-flight actions with connection_closed, reconnects by id and resubscribes", async () => {
    const fake = new FakeWsDriver(encoding);
    const conn = connect(fake.driver, { encoding });
    await conn.waitForOpen();
    const first = fake.servers[0];
    const events: unknown[] = [];
    conn.on("tick", (n) => events.push(n));
    await first.next("subscribe");
    const closes: number[] = [];
    conn.onClose((info) => closes.push(info.code));
    const inFlight = conn.action("never");
    await first.next("action");
    fake.autoInit = false;
    first.socket.close(4001, "server went away");
    await expect(inFlight).rejects.toMatchObject({ code: "connection_closed" });
    expect(closes).toEqual([4001]);
    await until(() => fake.servers.length === 2, "a reconnect");
    expect(conn.status).toBe("reconnecting");
    const queued = conn.action("later", 5);
    const second = fake.servers[1];
    expect(second.query).toEqual({ getForId: { actorId: "actor-1" } });
    second.init(2);
    const action = (await second.next("action")) as { id: number; name: string };
    expect(second.received[0]).toMatchObject({ type: "subscribe", event: "tick" });
    expect(action.name).toBe("later");
    second.send({ type: "action_response", id: action.id, output: "done" });
    await expect(queued).resolves.toBe("done");
    expect(conn.connectionId).toBe("conn-2");
    second.send({ type: "event", name: "tick", args: [42] });
    await until(() => events.length === 1, "the event after reconnect");
    expect(events).toEqual([42]);
  });

  it("dispose() rejects pending and later actions with connection_disposed and closes the socket", async () => {
    const fake = new FakeWsDriver(encoding);
    const conn = connect(fake.driver, { encoding });
    await conn.waitForOpen();
    const pending = conn.action("never");
    await fake.servers[0].next("action");
    const rejected = expect(pending).rejects.toMatchObject({ code: "connection_disposed" });
    await conn.dispose();
    await rejected;
    await expect(conn.action("again")).rejects.toMatchObject({ code: "connection_disposed" });
    await expect(conn.waitForOpen()).rejects.toMatchObject({ code: "connection_disposed" });
    expect(fake.servers[0].closed).toBe(true);
    expect(conn.status).toBe("disposed");
    expect(fake.servers).toHaveLength(1);
  });

  it("a refusal before init fails the connection with the server's error and does not retry", async () => {
    const fake = new FakeWsDriver(encoding);
    fake.autoInit = false;
    const conn = connect(fake.driver, { encoding });
    const errors: string[] = [];
    conn.onError((e) => errors.push(e.code));
    const queued = conn.action("x");
    await until(() => fake.servers.length === 1, "a socket");
    fake.servers[0].send({ type: "error", code: "actor_not_found", message: "no such actor" });
    fake.servers[0].socket.close(4404, "actor_not_found");
    await expect(conn.waitForOpen()).rejects.toMatchObject({
      code: "actor_not_found",
      status: 404,
    });
    await expect(queued).rejects.toMatchObject({ code: "actor_not_found" });
    expect(conn.status).toBe("failed");
    expect(errors).toEqual(["actor_not_found"]);
    expect(fake.servers).toHaveLength(1);
  });

  it("a close 4000+status without an error message still reports the code from the reason", async () => {
    const fake = new FakeWsDriver(encoding);
    fake.autoInit = false;
    const conn = connect(fake.driver, { encoding });
    await until(() => fake.servers.length === 1, "a socket");
    fake.servers[0].socket.close(4403, "forbidden");
    await expect(conn.waitForOpen()).rejects.toMatchObject({ code: "forbidden", status: 403 });
  });

  it("no init within the connect timeout fails with connect_timed_out", async () => {
    const fake = new FakeWsDriver(encoding);
    fake.autoInit = false;
    const conn = connect(fake.driver, { encoding, connectTimeoutMs: 30 });
    await expect(conn.waitForOpen()).rejects.toMatchObject({ code: "connect_timed_out" });
    await until(() => fake.servers[0]?.closed === true, "the abandoned socket to close");
  });

  it("a frame that does not decode reaches onError as malformed_response", async () => {
    const fake = new FakeWsDriver(encoding);
    const conn = connect(fake.driver, { encoding });
    await conn.waitForOpen();
    const errors: string[] = [];
    conn.onError((e) => errors.push(e.code));
    fake.servers[0].socket.send(encoding === "json" ? "{not json" : new Uint8Array([0xff, 0x00]));
    await until(() => errors.length === 1, "an error");
    expect(errors).toEqual(["malformed_response"]);
    expect(conn.status).toBe("open");
  });

  it("a message over the 65,536-byte limit rejects message_too_large and is not sent", async () => {
    const fake = new FakeWsDriver(encoding);
    const conn = connect(fake.driver, { encoding });
    await conn.waitForOpen();
    await expect(conn.action("big", "x".repeat(70_000))).rejects.toMatchObject({
      code: "message_too_large",
      metadata: { limit: 65_536 },
    });
    const small = conn.action("small");
    const sent = (await fake.servers[0].next("action")) as { id: number; name: string };
    expect(sent.name).toBe("small");
    fake.servers[0].send({ type: "action_response", id: sent.id, output: "ok" });
    await expect(small).resolves.toBe("ok");
  });

  it("an argument the encoding cannot carry rejects with serialization_error", async () => {
    const fake = new FakeWsDriver(encoding);
    const conn = connect(fake.driver, { encoding });
    await conn.waitForOpen();
    await expect(conn.action("f", () => 1)).rejects.toMatchObject({ code: "serialization_error" });
  });
});

describe("ActorConnection over SSE", () => {
  it("posts messages with the init token, subscriptions before later actions", async () => {
    let handlers: SseHandlers | undefined;
    const posted: Array<{ token: string; message: ToServerMessage }> = [];
    let releaseSubscribe: (() => void) | undefined;
    const driver: ClientDriver = {
      kind: "fake-sse",
      resolve: async () => "actor-1",
      action: async () => undefined,
      rawFetch: async () => new Response(null),
      rawWebSocket: async () => {
        throw new Error("unused");
      },
      connectWebSocket: async () => {
        throw new Error("websocket must not be used");
      },
      connectSse: async (_query, _options, h) => {
        handlers = h;
        return { close() {} };
      },
      sendConnectionMessage: async (_actor, _conn, token, message) => {
        // The subscribe POST is slow; the action sent after it must still arrive after it.
        if (message.type === "subscribe") await new Promise<void>((r) => (releaseSubscribe = r));
        posted.push({ token, message });
      },
    };
    const conn = connect(driver, { transport: "sse", encoding: "cbor" });
    await until(() => handlers !== undefined, "the stream");
    const send = (m: ToClientMessage) => handlers!.onMessage(toSseData(encodeToClient(m, "cbor")));
    send({
      type: "init",
      actorId: "actor-1",
      connectionId: "c1",
      connectionToken: "secret",
      protocolVersion: 1,
    });
    await conn.waitForOpen();
    conn.on("tick", () => {});
    const call = conn.action("go");
    await until(() => releaseSubscribe !== undefined, "the subscribe POST");
    expect(posted).toEqual([]);
    releaseSubscribe!();
    await until(() => posted.length === 2, "both POSTs");
    expect(posted.map((p) => [p.token, p.message.type])).toEqual([
      ["secret", "subscribe"],
      ["secret", "action"],
    ]);
    send({ type: "action_response", id: 0, output: { ok: true } });
    await expect(call).resolves.toEqual({ ok: true });
    const inFlight = conn.action("never");
    await until(() => posted.length === 3, "the third POST");
    handlers!.onClose();
    await expect(inFlight).rejects.toMatchObject({ code: "connection_closed" });
  });
});

describe("kicks, retry limits, heartbeats and action timeouts", () => {
  it("a disconnect notice is final: onClose gets 1000 and the reason, no reconnect (CONN-13)", async () => {
    const fake = new FakeWsDriver("json");
    const conn = connect(fake.driver, { encoding: "json" });
    await conn.waitForOpen();
    const closes: unknown[] = [];
    conn.onClose((info) => closes.push(info));
    const inFlight = conn.action("slow");
    await fake.servers[0]!.next("action");
    fake.servers[0]!.send({ type: "disconnect", reason: "banned" });
    fake.servers[0]!.socket.close(1000, "banned");
    await expect(inFlight).rejects.toMatchObject({ code: "connection_closed" });
    expect(closes).toEqual([{ code: 1000, reason: "banned" }]);
    expect(conn.status).toBe("disconnected");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.servers.length, "no reconnect attempt").toBe(1);
    await expect(conn.action("later")).rejects.toMatchObject({
      code: "connection_closed",
      message: /disconnected this connection: banned/,
    });
    await expect(conn.waitForOpen()).rejects.toMatchObject({ code: "connection_closed" });
  });

  it("a reconnect refused with actor_not_found fails the connection at once", async () => {
    const fake = new FakeWsDriver("json");
    const conn = connect(fake.driver, { encoding: "json" });
    await conn.waitForOpen();
    const connectWebSocket = fake.driver.connectWebSocket;
    let attempts = 0;
    fake.driver.connectWebSocket = async () => {
      attempts++;
      throw new ClientActorError("actor_not_found", "actor actor-1 does not exist");
    };
    fake.servers[0]!.socket.close(4001, "gone");
    await until(() => conn.status === "failed", "failed");
    expect(attempts).toBe(1);
    await expect(conn.waitForOpen()).rejects.toMatchObject({ code: "actor_not_found" });
    fake.driver.connectWebSocket = connectWebSocket;
  });

  it("maxReconnectAttempts failed reconnects in a row make the connection failed", async () => {
    const fake = new FakeWsDriver("json");
    const conn = connect(fake.driver, { encoding: "json", maxReconnectAttempts: 3 });
    await conn.waitForOpen();
    let attempts = 0;
    fake.driver.connectWebSocket = async () => {
      attempts++;
      throw new ClientActorError("http_request_failed", "connection refused");
    };
    fake.servers[0]!.socket.close(4001, "gone");
    await until(() => conn.status === "failed", "failed");
    expect(attempts).toBe(3);
    await expect(conn.action("x")).rejects.toMatchObject({
      code: "http_request_failed",
      message: /gave up after 3 failed attempts/,
    });
  });

  it("a connection that hears nothing for 2.5 heartbeat intervals reports heartbeat_timed_out and reconnects", async () => {
    const fake = new FakeWsDriver("json");
    fake.autoInit = false;
    const conn = connect(fake.driver, { encoding: "json" });
    await until(() => fake.servers.length === 1, "a socket");
    fake.servers[0]!.send({
      type: "init",
      actorId: "actor-1",
      connectionId: "conn-1",
      connectionToken: "tok-1",
      protocolVersion: 1,
      heartbeatIntervalMs: 40,
    });
    await conn.waitForOpen();
    const errors: string[] = [];
    conn.onError((e) => errors.push(e.code));
    // Heartbeats keep it open...
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      fake.servers[0]!.send({ type: "heartbeat" });
    }
    expect(conn.status).toBe("open");
    expect(errors).toEqual([]);
    // ...silence ends it, without any close from the server.
    fake.autoInit = true;
    await until(() => errors.includes("heartbeat_timed_out"), "heartbeat_timed_out", 1000);
    await until(() => fake.servers.length === 2 && conn.status === "open", "the reconnect");
  });

  it("an action with no reply within actionTimeoutMs rejects action_reply_timed_out", async () => {
    const fake = new FakeWsDriver("json");
    const conn = connect(fake.driver, { encoding: "json", actionTimeoutMs: 50 });
    await conn.waitForOpen();
    const started = Date.now();
    await expect(conn.action("silent")).rejects.toMatchObject({
      code: "action_reply_timed_out",
      message: /"silent" got no reply within 50 ms/,
    });
    expect(Date.now() - started).toBeLessThan(1000);
    // A late reply is ignored; the connection keeps working.
    fake.servers[0]!.send({ type: "action_response", id: 0, output: "late" });
    const next = conn.action("ok");
    const sent = (await fake.servers[0]!.next("action")) as { id: number };
    fake.servers[0]!.send({ type: "action_response", id: sent.id, output: 1 });
    await expect(next).resolves.toBe(1);
  });
});

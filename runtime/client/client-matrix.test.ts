/**
 * Integration tests of both clients against the memory driver: every cell of client (http,
 * inline) x transport (websocket, sse) x encoding (json, cbor) runs the same bodies, through the
 * real manager router, actor router and actor runtime.
 */
import { afterAll, beforeAll, describe, expect, expectTypeOf, it, onTestFinished } from "vitest";
import { startMemoryDriver } from "../../reference-drivers/memory/index.ts";
import { actor } from "../actor/definition.ts";
import { UserError } from "../actor/errors.ts";
import { createInitialPersistedData } from "../actor/persistence.ts";
import { setup } from "../actor/registry.ts";
import { createLocalActorHost } from "../driver/create-local-actor-host.ts";
import type { DriverInstance } from "../driver/define-driver.ts";
import type { ManagerDriver } from "../driver/manager-driver.ts";
import type { Encoding, Transport } from "../protocol/messages.ts";
import { type ServedManager, serveManager } from "../routing/node-server.ts";
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";
import { type Client, createClient } from "./client.ts";
import type { ActorConnection } from "./connection.ts";
import { createInlineClient } from "./inline-client.ts";

const allow = () => ({});

const counter = actor({
  state: { count: 0 },
  onAuth: allow,
  actions: {
    increment: (c, by: number) => {
      c.state.count += by;
      c.broadcast("newCount", c.state.count);
      return c.state.count;
    },
    getCount: (c) => c.state.count,
    echo: (_c, value: unknown) => value,
    whoAmI: (c) => c.conn.id,
    /** Ends another connection, by id. */
    kick: async (c, connectionId: string) => {
      await c.conns.get(connectionId)?.disconnect("kicked");
      return true;
    },
    /** Settles only after the actor's action timeout: stays in flight. */
    hang: () => new Promise(() => {}),
  },
});

const failing = actor({
  onAuth: allow,
  actions: {
    userFail: () => {
      throw new UserError("the thing is too big", {
        code: "too_big",
        metadata: { max: 3, seen: [1, 2] },
      });
    },
    internalFail: () => {
      throw new Error("secret detail");
    },
  },
});

const rawActor = actor({
  onAuth: allow,
  actions: {},
  onFetch: async (_c, request) =>
    Response.json({ url: request.url, method: request.method, body: await request.text() }),
  onWebSocket: (_c, socket, { request }) => {
    socket.send(
      JSON.stringify({
        url: request.url,
        protocols: request.headers.get("sec-websocket-protocol"),
      }),
    );
    socket.addEventListener("message", (event) => socket.send(event.data));
  },
});

type LooseClient = Client<{ actors: Record<string, any> }>;

const caller = actor({
  onAuth: allow,
  actions: {
    callCounter: (c, key: string, by: number) =>
      c.client<LooseClient>().counter.getOrCreate(key).increment(by),
    callFailing: async (c) => {
      try {
        await c.client<LooseClient>().failing.getOrCreate("x").userFail();
        return undefined;
      } catch (error) {
        const e = error as { code: string; message: string; metadata: unknown };
        return { code: e.code, message: e.message, metadata: e.metadata };
      }
    },
  },
});

const registry = setup({ use: { counter, failing, rawActor, caller } });
type TestRegistry = typeof registry;

/** The memory driver, its manager wrapped to record routing calls, and the served router. */
let instance: DriverInstance;
let served: ServedManager;
const routed: string[] = [];

function recording(manager: ManagerDriver): ManagerDriver {
  return {
    ...manager,
    getForId: (i) => manager.getForId(i),
    getWithKey: (i) => manager.getWithKey(i),
    getOrCreateWithKey: (i) => manager.getOrCreateWithKey(i),
    createActor: (i) => manager.createActor(i),
    proxyRequest: (id, r) => manager.proxyRequest(id, r),
    proxyWebSocket: (id, r, s) => manager.proxyWebSocket(id, r, s),
    sendRequest: (id, request) => {
      routed.push(`sendRequest ${new URL(request.url).pathname}`);
      return manager.sendRequest(id, request);
    },
    openWebSocket: (id, request) => {
      routed.push(`openWebSocket ${new URL(request.url).pathname}`);
      return manager.openWebSocket(id, request);
    },
  };
}

let manager: ManagerDriver;

beforeAll(async () => {
  instance = await startMemoryDriver({
    registry,
    dataDir: "/nonexistent",
    namespace: "client-matrix",
    runtime: { createLocalActorHost, createInitialPersistedData },
  });
  manager = recording(instance.manager);
  served = await serveManager({ registry, manager: instance.manager });
});

afterAll(async () => {
  await served?.close();
  await instance?.stop();
});

const CELLS: Array<[client: "http" | "inline", transport: Transport, encoding: Encoding]> = [];
for (const client of ["http", "inline"] as const)
  for (const transport of ["websocket", "sse"] as const)
    for (const encoding of ["json", "cbor"] as const) CELLS.push([client, transport, encoding]);

let keySeq = 0;
const uniqueKey = (what: string) => `${what}-${process.pid}-${keySeq++}`;

function makeClient(kind: "http" | "inline", transport: Transport, encoding: Encoding) {
  const options = {
    transport,
    encoding,
    reconnectInitialMs: 10,
    reconnectMaxMs: 50,
    connectTimeoutMs: 5000,
  };
  const client =
    kind === "http"
      ? createClient<TestRegistry>(served.endpoint, options)
      : createInlineClient<TestRegistry>(manager, registry, options);
  onTestFinished(() => client.dispose());
  return client;
}

/** Resolves with the next call of a listener, bounded. */
function nextCall<T>(
  subscribe: (cb: (value: T) => void) => () => void,
  what: string,
  ms = 5000,
): Promise<T> {
  const waiting = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const off = subscribe((value) => {
      clearTimeout(timer);
      off();
      resolve(value);
    });
  });
  // A test that fails before awaiting this must not also report an unhandled rejection.
  waiting.catch(() => undefined);
  return waiting;
}

describe.each(CELLS)("client %s, transport %s, encoding %s", (kind, transport, encoding) => {
  it("stateless actions return values and keep state between handles (ACT-1, PERSIST-1)", async () => {
    const client = makeClient(kind, transport, encoding);
    const key = uniqueKey("stateless");
    expect(await client.counter.getOrCreate(key).increment(2)).toBe(2);
    expect(await client.counter.get(key).increment(3)).toBe(5);
    expect(await client.counter.getOrCreate(key).action("getCount")).toBe(5);
  });

  it("connection actions and events, with once and unsubscribe (CONN-1, EVT-1, EVT-2, EVT-5)", async () => {
    const client = makeClient(kind, transport, encoding);
    const key = uniqueKey("conn");
    const conn = client.counter.getOrCreate(key).connect();
    await conn.waitForOpen();
    expect(conn.transport).toBe(transport);
    const seen: number[] = [];
    const onceSeen: number[] = [];
    const off = conn.on("newCount", (n: number) => seen.push(n));
    conn.once("newCount", (n: number) => onceSeen.push(n));
    expect(await conn.increment(1)).toBe(1);
    expect(await client.counter.get(key).increment(10)).toBe(11);
    await expect.poll(() => seen).toEqual([1, 11]);
    expect(onceSeen).toEqual([1]);
    off();
    expect(await conn.increment(1)).toBe(12);
    // A round trip after the unsubscribe: an event for it would have arrived before the reply.
    expect(await conn.getCount()).toBe(12);
    expect(seen).toEqual([1, 11]);
  });

  it("user errors keep code, message and metadata over HTTP, a connection and inline (ERR-2)", async () => {
    const client = makeClient(kind, transport, encoding);
    const expected = {
      code: "too_big",
      message: "the thing is too big",
      metadata: { max: 3, seen: [1, 2] },
      status: 400,
    };
    const stateless = await client.failing
      .getOrCreate("e")
      .userFail()
      .catch((e: unknown) => e);
    const conn = client.failing.getOrCreate("e").connect();
    const viaConn = await conn.userFail().catch((e: unknown) => e);
    const viaActor = await client.caller.getOrCreate("e").callFailing();
    expect(stateless).toMatchObject({ name: "ClientActorError", ...expected });
    expect(viaConn).toMatchObject({ name: "ClientActorError", ...expected });
    expect(viaActor).toEqual({
      code: expected.code,
      message: expected.message,
      metadata: expected.metadata,
    });
    // The first action on the connection had id 0 and failed: the connection is still fine.
    expect(conn.status).toBe("open");
  });

  it("internal errors are masked over HTTP and shown inline (ERR-3, ERR-4)", async () => {
    const client = makeClient(kind, transport, encoding);
    const error = await client.failing
      .getOrCreate("i")
      .internalFail()
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "internal_error", status: 500 });
    if (kind === "inline") expect((error as Error).message).toBe("secret detail");
    else expect((error as Error).message).not.toContain("secret");
  });

  it("unknown actors and taken keys fail with catalogue codes (MGR-2, MGR-5)", async () => {
    const client = makeClient(kind, transport, encoding);
    await expect(client.counter.get(uniqueKey("missing")).increment(1)).rejects.toMatchObject({
      code: "actor_not_found",
    });
    await expect(client.counter.getForId("no-such-id").increment(1)).rejects.toMatchObject({
      code: "actor_not_found",
    });
    const key = uniqueKey("create");
    const created = await client.counter.create(key, { input: undefined });
    expect(await created.increment(1)).toBe(1);
    await expect(client.counter.create(key)).rejects.toMatchObject({
      code: "actor_already_exists",
      status: 409,
    });
    const refused = client.counter.get(uniqueKey("missing")).connect();
    await expect(refused.waitForOpen()).rejects.toMatchObject({ code: "actor_not_found" });
    expect(refused.status).toBe("failed");
  });

  it("20 concurrent getOrCreate callers get one actor (MGR-4)", async () => {
    const client = makeClient(kind, transport, encoding);
    const key = uniqueKey("race");
    const ids = await Promise.all(
      Array.from({ length: 20 }, () => client.counter.getOrCreate(key).resolve()),
    );
    expect(new Set(ids).size).toBe(1);
  });

  it("raw fetch delivers the subpath and query string exactly (RAWHTTP-1, ROUTE-6)", async () => {
    const client = makeClient(kind, transport, encoding);
    const handle = client.rawActor.getOrCreate(uniqueKey("raw"));
    for (const [path, url] of [
      ["/api/a%2Fb/?x=1&y=%20z", "http://actor/api/a%2Fb/?x=1&y=%20z"],
      ["", "http://actor/"],
      ["trailing/", "http://actor/trailing/"],
      // Both clients send what fetch() sends: a lone "?" dropped, dot segments resolved.
      ["lone?", "http://actor/lone"],
      ["a/%2e%2e/b", "http://actor/b"],
    ]) {
      const response = await handle.fetch(path);
      expect(response.status).toBe(200);
      expect(((await response.json()) as { url: string }).url).toBe(url);
    }
    const posted = await handle.fetch(
      new Request("http://ignored/echo?q", { method: "POST", body: "hello" }),
    );
    expect(await posted.json()).toEqual({
      url: "http://actor/echo?q",
      method: "POST",
      body: "hello",
    });
    const missing = await client.rawActor.get(uniqueKey("nobody")).fetch("/x");
    expect(missing.status).toBe(404);
  });

  it("raw websocket passes path, query and user protocols, and echoes (RAWWS-1, RAWWS-3)", async () => {
    const client = makeClient(kind, transport, encoding);
    const socket = await client.rawActor
      .getOrCreate(uniqueKey("rawws"))
      .websocket("/chat/room?token=t%20", ["chat.v2"]);
    const messages: unknown[] = [];
    socket.addEventListener("message", (e) => messages.push(e.data));
    await expect.poll(() => messages.length).toBe(1);
    const hello = JSON.parse(messages[0] as string);
    expect(hello.url).toBe("http://actor/chat/room?token=t%20");
    expect(hello.protocols).toContain("chat.v2");
    socket.send(new Uint8Array([1, 2, 3]));
    await expect.poll(() => messages.length).toBe(2);
    expect(new Uint8Array(messages[1] as ArrayBuffer)).toEqual(new Uint8Array([1, 2, 3]));
    await closeSocket(socket);
  });

  it("actor-to-actor calls go through c.client() (INLINE-1)", async () => {
    const client = makeClient(kind, transport, encoding);
    const key = uniqueKey("a2a");
    expect(await client.caller.getOrCreate("c").callCounter(key, 4)).toBe(4);
    expect(await client.counter.get(key).getCount()).toBe(4);
  });

  it("a kick sticks: the reason arrives on every transport and the client does not reconnect (CONN-6, CONN-13)", async () => {
    const client = makeClient(kind, transport, encoding);
    const key = uniqueKey("kick");
    const conn = client.counter.getOrCreate(key).connect();
    await conn.waitForOpen();
    const firstId = conn.connectionId;
    let opens = 0;
    conn.onOpen(() => opens++);
    const closed = nextCall(conn.onClose.bind(conn), "the close of the kicked connection");
    await client.counter.get(key).kick(firstId!);
    expect(await closed).toEqual({ code: 1000, reason: "kicked" });
    expect(conn.status).toBe("disconnected");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(opens, "no reconnect after a kick").toBe(0);
    await expect(conn.getCount()).rejects.toMatchObject({ code: "connection_closed" });
  });

  it("an event broadcast right after on() by an action on another handle arrives (EVT-1)", async () => {
    const client = makeClient(kind, transport, encoding);
    const key = uniqueKey("subscribe-then-act");
    const conn = client.counter.getOrCreate(key).connect();
    await conn.waitForOpen();
    const other = client.counter.get(key);
    for (let i = 1; i <= 5; i++) {
      const seen: number[] = [];
      const off = conn.on("newCount", (n: number) => seen.push(n));
      expect(await other.increment(1)).toBe(i);
      await expect.poll(() => seen, { timeout: 2000 }).toEqual([i]);
      off();
    }
  });

  it("an action in flight when the connection drops rejects with connection_closed", async () => {
    const client = makeClient(kind, transport, encoding);
    const key = uniqueKey("inflight");
    const conn = client.counter.getOrCreate(key).connect();
    await conn.waitForOpen();
    const id = await conn.whoAmI();
    const pending = expect(conn.hang()).rejects.toMatchObject({ code: "connection_closed" });
    await client.counter.get(key).kick(id);
    await pending;
  });
});

describe("typing", () => {
  it("handles and connections are typed from the registry", async () => {
    const client = createClient<TestRegistry>("http://127.0.0.1:9");
    const handle = client.counter.getOrCreate("k");
    expectTypeOf(handle.increment).parameters.toEqualTypeOf<[by: number]>();
    expectTypeOf(handle.increment).returns.toEqualTypeOf<Promise<number>>();
    expectTypeOf(handle.connect().getCount).returns.toEqualTypeOf<Promise<number>>();
    // Never called: only the type checker reads it.
    // @ts-expect-error increment takes a number
    const wrong = () => handle.increment("one");
    expect(typeof wrong).toBe("function");
    await client.dispose();
  });
});

describe("inline SSE", () => {
  it("streams through sendRequest and posts messages through sendRequest (INLINE-3)", async () => {
    const client = createInlineClient<TestRegistry>(manager, registry, {
      transport: "sse",
      encoding: "cbor",
    });
    onTestFinished(() => client.dispose());
    routed.length = 0;
    const conn: ActorConnection = client.counter.getOrCreate(uniqueKey("inline-sse")).connect();
    await conn.waitForOpen();
    expect(await (conn as any).increment(3)).toBe(3);
    expect(routed).toContain("sendRequest /connect/sse");
    expect(routed).toContain("sendRequest /connections/message");
    expect(routed.filter((r) => r.startsWith("openWebSocket"))).toEqual([]);
  });

  it("a driver that buffers response bodies fails the connection with connect_timed_out", async () => {
    const buffering: ManagerDriver = {
      ...manager,
      sendRequest: async (id, request) => {
        const response = await manager.sendRequest(id, request);
        // Waits for the whole body, which for an event stream never ends.
        const body = await response.arrayBuffer();
        return new Response(body, { status: response.status, headers: response.headers });
      },
    };
    const client = createInlineClient<TestRegistry>(buffering, registry, {
      transport: "sse",
      connectTimeoutMs: 300,
    });
    onTestFinished(() => client.dispose());
    const conn = client.counter.getOrCreate(uniqueKey("buffered")).connect();
    await expect(conn.waitForOpen()).rejects.toMatchObject({ code: "connect_timed_out" });
  });
});

async function closeSocket(socket: UniversalWebSocket): Promise<void> {
  if (socket.readyState === 3) return;
  const closed = new Promise<void>((resolve) => socket.addEventListener("close", () => resolve()));
  socket.close(1000, "test done");
  await closed;
}

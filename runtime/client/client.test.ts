/**
 * Unit tests of the client API (accessors, handles, dispose) against a recording fake driver.
 */
import { describe, expect, it } from "vitest";
import type { ActorQuery } from "../protocol/query.ts";
import { createSocketPair } from "../routing/socket-pair.ts";
import { WS_CLOSED } from "../routing/universal-websocket.ts";
import { createClientWithDriver } from "./client.ts";
import type { ClientDriver } from "./client-driver.ts";
import { ClientActorError } from "./errors.ts";
import { createHttpClientDriver } from "./http-client-driver.ts";

function recordingDriver() {
  const calls: Array<{ op: string; query: ActorQuery; rest: unknown[] }> = [];
  const serverEnds: import("../routing/universal-websocket.ts").UniversalWebSocket[] = [];
  const driver: ClientDriver = {
    kind: "recording",
    async resolve(query, options) {
      calls.push({ op: "resolve", query, rest: [options.params] });
      if ("create" in query && query.create.key[0] === "taken") {
        throw new ClientActorError("actor_already_exists", "taken");
      }
      return "id-1";
    },
    async action(query, name, args, options) {
      calls.push({ op: "action", query, rest: [name, args, options.encoding, options.params] });
      return `${name}:${JSON.stringify(args)}`;
    },
    async rawFetch(query, path, init, options) {
      calls.push({
        op: "rawFetch",
        query,
        rest: [path, init.method, new Headers(init.headers).get("x-a"), options.params],
      });
      return new Response("ok");
    },
    async rawWebSocket(query, path, protocols) {
      calls.push({ op: "rawWebSocket", query, rest: [path, protocols] });
      const [client, server] = createSocketPair();
      serverEnds.push(server);
      return client;
    },
    async connectWebSocket() {
      // Never answers with init: the connection stays "connecting" until disposed.
      const [client, server] = createSocketPair();
      serverEnds.push(server);
      return client;
    },
    connectSse: async () => {
      throw new Error("unused");
    },
    sendConnectionMessage: async () => undefined,
  };
  return { calls, driver, serverEnds };
}

describe("createClientWithDriver", () => {
  it("accessors build the four query forms; a string key is [key] and no key is []", async () => {
    const { calls, driver } = recordingDriver();
    const client = createClientWithDriver<any>(driver, { encoding: "json" });
    await client.counter.get("a", { params: { p: 1 } }).increment(1);
    await client.counter.get().increment();
    await client.counter
      .getOrCreate(["x", "y"], { input: { n: 1 }, region: "eu" })
      .action("add", 2, 3);
    await client.counter.getForId("id-9").ping();
    expect(calls.map((c) => [c.query, c.rest])).toEqual([
      [{ getForKey: { name: "counter", key: ["a"] } }, ["increment", [1], "json", { p: 1 }]],
      [{ getForKey: { name: "counter", key: [] } }, ["increment", [], "json", undefined]],
      [
        { getOrCreateForKey: { name: "counter", key: ["x", "y"], input: { n: 1 }, region: "eu" } },
        ["add", [2, 3], "json", undefined],
      ],
      [{ getForId: { actorId: "id-9" } }, ["ping", [], "json", undefined]],
    ]);
    await client.dispose();
  });

  it("create() resolves now and returns a handle by id; a taken key rejects actor_already_exists", async () => {
    const { calls, driver } = recordingDriver();
    const client = createClientWithDriver<any>(driver);
    const handle = await client.counter.create("new", { input: 5 });
    expect(handle.query).toEqual({ getForId: { actorId: "id-1" } });
    expect(calls[0].query).toEqual({
      create: { name: "counter", key: ["new"], input: 5, region: undefined },
    });
    await expect(client.counter.create("taken")).rejects.toMatchObject({
      code: "actor_already_exists",
    });
    await client.dispose();
  });

  it("resolve() switches the handle to its id; handles and clients are not thenables", async () => {
    const { calls, driver } = recordingDriver();
    const client = createClientWithDriver<any>(driver);
    const handle = client.counter.getOrCreate("k");
    expect(handle.then).toBeUndefined();
    expect((client as any).then).toBeUndefined();
    await expect(handle.resolve()).resolves.toBe("id-1");
    await handle.increment(1);
    expect(calls.at(-1)?.query).toEqual({ getForId: { actorId: "id-1" } });
    await client.dispose();
  });

  it("fetch() accepts a path, a URL or a Request, with init overriding", async () => {
    const { calls, driver } = recordingDriver();
    const client = createClientWithDriver<any>(driver);
    const handle = client.raw.get();
    await handle.fetch("api?x=1");
    await handle.fetch(new URL("http://ignored/p/q?y=%20"), { method: "POST", body: "b" });
    await handle.fetch(
      new Request("http://ignored/r?z", { method: "PUT", headers: { "x-a": "1" }, body: "c" }),
      {
        headers: { "x-a": "2" },
      },
    );
    expect(calls.map((c) => c.rest.slice(0, 3))).toEqual([
      ["api?x=1", undefined, null],
      ["/p/q?y=%20", "POST", null],
      ["/r?z", "PUT", "2"],
    ]);
    await client.dispose();
  });

  it("request-building errors (bad key, oversized params) reject as ClientActorErrors before any fetch", async () => {
    let fetched = 0;
    const driver = createHttpClientDriver("http://h", {
      fetch: (async () => {
        fetched++;
        return new Response(null, { status: 500 });
      }) as typeof fetch,
    });
    const client = createClientWithDriver<any>(driver);
    const badKey = await client.counter
      .get(["x".repeat(300)])
      .increment(1)
      .catch((e: unknown) => e);
    expect(badKey).toBeInstanceOf(ClientActorError);
    expect(badKey).toMatchObject({ code: "invalid_key", status: 400 });
    const bigParams = client.counter.get("k", { params: { blob: "y".repeat(5000) } }).increment(1);
    await expect(bigParams).rejects.toMatchObject({
      name: "ClientActorError",
      code: "invalid_params",
    });
    expect(fetched).toBe(0);
    await client.dispose();
  });

  it("dispose() closes connections and raw sockets, and later calls reject connection_disposed", async () => {
    const { driver, serverEnds } = recordingDriver();
    const client = createClientWithDriver<any>(driver, { connectTimeoutMs: 5000 });
    const socket = await client.raw.get().websocket("/ws", "chat");
    const conn = client.counter.get("a").connect();
    const waiting = conn.waitForOpen().catch((e: unknown) => e);
    await client.dispose();
    expect(socket.readyState).toBe(WS_CLOSED);
    expect(conn.status).toBe("disposed");
    expect(await waiting).toMatchObject({ code: "connection_disposed" });
    expect(serverEnds.every((s) => s.readyState === WS_CLOSED)).toBe(true);
    await expect(client.counter.get("a").increment(1)).rejects.toMatchObject({
      code: "connection_disposed",
    });
  });
});

/**
 * The manager router's WebSocket routes through a real server on 127.0.0.1, with `ws` clients.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import { describe, expect, test } from "vitest";
import { buildSubprotocols } from "../../runtime/protocol/subprotocols.ts";
import { decodeCbor, encodeCbor } from "../../runtime/protocol/values.ts";
import { closed, inbox, opened, openSocket, serveFixture } from "./served-fixture.ts";

const getOrCreate = (key: string[], name = "guarded") => ({ getOrCreateForKey: { name, key } });

describe("manager router: WebSocket connections", () => {
  test("json: the server selects actor.v1; init first, then action replies as text frames", async () => {
    const { endpoint, authCalls } = await serveFixture();
    const socket = openSocket(endpoint, "/actors/connect/websocket", {
      query: getOrCreate(["ws"]),
      params: { auth: "ws-user" },
    });
    const messages = inbox(socket);
    await opened(socket);
    expect(socket.protocol).toBe("actor.v1");
    const init = await messages.json();
    expect(init).toMatchObject({ type: "init", protocolVersion: 1 });
    expect(authCalls.at(-1)?.intents).toEqual(["connect", "create", "get"]);
    expect(authCalls.at(-1)?.params).toEqual({ auth: "ws-user" });
    socket.send(JSON.stringify({ type: "action", id: 4, name: "whoami", args: [] }));
    expect(await messages.json()).toEqual({
      type: "action_response",
      id: 4,
      output: { auth: "ws-user", params: { auth: "ws-user" } },
    });
  });

  test("cbor: binary frames both ways, values exact", async () => {
    const { endpoint } = await serveFixture();
    const socket = openSocket(endpoint, "/actors/connect/websocket", {
      encoding: "cbor",
      query: getOrCreate(["ws"]),
    });
    const messages = inbox(socket);
    await opened(socket);
    const init = await messages.next();
    expect(init).toBeInstanceOf(Uint8Array);
    expect(decodeCbor(init as Uint8Array)).toMatchObject({ type: "init" });
    socket.send(
      encodeCbor({ type: "action", id: 1, name: "echo", args: [new Uint8Array([3]), 7n] }),
    );
    expect(decodeCbor((await messages.next()) as Uint8Array)).toEqual({
      type: "action_response",
      id: 1,
      output: [new Uint8Array([3]), 7n],
    });
  });

  const setupFailures: [string, Parameters<typeof openSocket>[2], number, string][] = [
    ["unknown actor id", { query: { getForId: { actorId: "nope" } } }, 4404, "actor_not_found"],
    ["actor without onAuth", { query: getOrCreate([], "noAuth") }, 4403, "forbidden"],
    [
      "onAuth throwing a UserError",
      { query: getOrCreate(["x"]), params: { deny: "no_entry" } },
      4400,
      "no_entry",
    ],
    ["missing query", {}, 4400, "invalid_request"],
  ];
  for (const [what, options, code, reason] of setupFailures) {
    test(`setup error (${what}): one error message, then close ${code} ${reason}`, async () => {
      const { endpoint } = await serveFixture();
      const socket = openSocket(endpoint, "/actors/connect/websocket", options);
      const messages = inbox(socket);
      const ended = closed(socket);
      expect(await messages.json()).toMatchObject({ type: "error", code: reason });
      expect(await ended).toEqual({ code, reason });
    });
  }

  test("a missing encoding closes 4400 invalid_encoding without a message", async () => {
    const { endpoint } = await serveFixture();
    const { WebSocket } = await import("ws");
    const socket = new WebSocket(`${endpoint.replace("http", "ws")}/actors/connect/websocket`, [
      "actor.v1",
    ]);
    const received: unknown[] = [];
    socket.on("message", (data: unknown) => received.push(data));
    expect(await closed(socket)).toEqual({ code: 4400, reason: "invalid_encoding" });
    expect(received).toEqual([]);
  });

  test("malformed and oversized frames are coded errors and the server keeps serving (ERR-5)", async () => {
    const { endpoint } = await serveFixture();
    const bad = openSocket(endpoint, "/actors/connect/websocket", { query: getOrCreate(["m"]) });
    const badMessages = inbox(bad);
    const badClosed = closed(bad);
    await badMessages.json();
    bad.send("{definitely not json");
    expect(await badMessages.json()).toMatchObject({ type: "error", code: "malformed_message" });
    expect(await badClosed).toEqual({ code: 1007, reason: "malformed_message" });

    const big = openSocket(endpoint, "/actors/connect/websocket", { query: getOrCreate(["m"]) });
    const bigMessages = inbox(big);
    const bigClosed = closed(big);
    await bigMessages.json();
    big.send(JSON.stringify({ type: "action", id: 1, name: "echo", args: ["x".repeat(70_000)] }));
    expect(await bigMessages.json()).toMatchObject({ type: "error", code: "message_too_large" });
    expect(await bigClosed).toEqual({ code: 1009, reason: "message_too_large" });

    const good = openSocket(endpoint, "/actors/connect/websocket", { query: getOrCreate(["m"]) });
    const goodMessages = inbox(good);
    await goodMessages.json();
    good.send(JSON.stringify({ type: "action", id: 2, name: "increment", args: [1] }));
    expect(await goodMessages.json()).toMatchObject({ type: "action_response", id: 2 });
  });

  test("closing the socket runs onDisconnect once (CONN-9)", async () => {
    const { endpoint, disconnects } = await serveFixture();
    const socket = openSocket(endpoint, "/actors/connect/websocket", { query: getOrCreate(["d"]) });
    const messages = inbox(socket);
    await messages.json();
    const disconnected = disconnects.next();
    socket.close(1000);
    await disconnected;
    expect(disconnects.count).toBe(1);
  });
});

describe("manager router: raw WebSocket", () => {
  test("onWebSocket sees the exact subpath and query, the client's own subprotocols, no internal headers (RAWWS-3)", async () => {
    const { endpoint, authCalls } = await serveFixture();
    const socket = openSocket(endpoint, "/actors/raw/websocket/room/a%2Fb/?token=x%20y&z", {
      query: getOrCreate(["raw"]),
      params: { auth: "raw-user" },
      extra: ["chat.v2"],
    });
    const messages = inbox(socket);
    await opened(socket);
    expect(socket.protocol).toBe("actor.v1");
    expect(await messages.json()).toEqual({
      url: "http://actor/room/a%2Fb/?token=x%20y&z",
      protocols: "chat.v2",
      internal: [],
      auth: "raw-user",
    });
    expect(authCalls.at(-1)?.intents).toEqual(["action", "create", "get"]);
  });

  test("dot segments in the subpath reach onWebSocket exactly (RAWWS-3, ROUTE-6)", async () => {
    const { endpoint } = await serveFixture();
    const url = new URL(endpoint);
    const protocols = buildSubprotocols({ encoding: "json", query: getOrCreate(["dots"]) });
    // ws would resolve the dot segments itself; an upgrade by hand sends them as they are.
    const greeting = await new Promise<string>((resolve, reject) => {
      const req = http.request({
        host: url.hostname,
        port: url.port,
        path: "/actors/raw/websocket/a/%2e%2e/b/../c?",
        headers: {
          connection: "Upgrade",
          upgrade: "websocket",
          "sec-websocket-version": "13",
          "sec-websocket-key": randomBytes(16).toString("base64"),
          "sec-websocket-protocol": protocols.join(", "),
        },
      });
      req.on("upgrade", (_res, socket, head) => {
        let data = head;
        const read = () => {
          // One unmasked text frame with a 7- or 16-bit length.
          if (data.length < 2) return;
          const short = data[1] & 0x7f;
          const [start, length] = short === 126 ? [4, data.readUInt16BE(2)] : [2, short];
          if (data.length < start + length) return;
          socket.destroy();
          resolve(data.subarray(start, start + length).toString("utf8"));
        };
        socket.on("data", (chunk: Buffer) => {
          data = Buffer.concat([data, chunk]);
          read();
        });
        read();
      });
      req.on("error", reject);
      req.end();
    });
    expect(JSON.parse(greeting).url).toBe("http://actor/a/%2e%2e/b/../c?");
  });

  test("frames sent right after open arrive in order, text as text and binary as binary (RAWWS-2, ROUTE-5)", async () => {
    const { endpoint } = await serveFixture();
    const socket = openSocket(endpoint, "/actors/raw/websocket", { query: getOrCreate(["raw"]) });
    const messages = inbox(socket);
    await opened(socket);
    socket.send("first");
    socket.send(new Uint8Array([0, 255]));
    socket.send("third");
    const hello = await messages.json();
    expect(hello.url).toBe("http://actor/");
    expect(await messages.next()).toBe("first");
    expect(await messages.next()).toEqual(new Uint8Array([0, 255]));
    expect(await messages.next()).toBe("third");
  });

  test("close codes and reasons cross both ways (RAWWS-4)", async () => {
    const { endpoint, raw } = await serveFixture();
    const fromActor = openSocket(endpoint, "/actors/raw/websocket/", { query: getOrCreate(["c"]) });
    const actorMessages = inbox(fromActor);
    const actorClosed = closed(fromActor);
    await actorMessages.json();
    fromActor.send("close-please");
    expect(await actorClosed).toEqual({ code: 4123, reason: "actor says bye" });

    const fromClient = openSocket(endpoint, "/actors/raw/websocket/", {
      query: getOrCreate(["c"]),
    });
    const clientMessages = inbox(fromClient);
    await clientMessages.json();
    const before = raw.closes.length;
    const clientClosed = closed(fromClient);
    fromClient.close(4001, "client says bye");
    await clientClosed;
    await expect.poll(() => raw.closes.length, { timeout: 5000 }).toBe(before + 1);
    expect(raw.closes.at(-1)).toEqual({ code: 4001, reason: "client says bye" });
  });

  test("an actor without onWebSocket closes 4404 websocket_handler_not_defined", async () => {
    const { endpoint } = await serveFixture();
    const socket = openSocket(endpoint, "/actors/raw/websocket/", {
      query: getOrCreate([], "bare"),
    });
    const messages = inbox(socket);
    const ended = closed(socket);
    expect(await messages.json()).toMatchObject({ code: "websocket_handler_not_defined" });
    expect(await ended).toEqual({ code: 4404, reason: "websocket_handler_not_defined" });
  });

  test("an unknown WebSocket path closes 4404", async () => {
    const { endpoint } = await serveFixture();
    const socket = openSocket(endpoint, "/actors/elsewhere", { query: getOrCreate([]) });
    expect(await closed(socket)).toEqual({ code: 4404, reason: "invalid_request" });
  });
});

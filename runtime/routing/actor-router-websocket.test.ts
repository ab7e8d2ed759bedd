/**
 * The actor router's WebSocket endpoints against a scripted instance (actor-router.fixture.ts).
 */
import { describe, expect, onTestFinished, test } from "vitest";
import { encodeAuthData } from "../protocol/auth-data.ts";
import { decodeCbor, encodeCbor } from "../protocol/values.ts";
import { closeOf, inbox, setup } from "./actor-router.fixture.ts";
import { createSocketPair } from "./socket-pair.ts";

describe("actor router: WebSocket connections", () => {
  function connect(encoding: "json" | "cbor", actorId = "actor-1") {
    const { router, instance } = setup();
    const [client, server] = createSocketPair({ protocol: "actor.v1" });
    const request = new Request("http://actor/connect/websocket", {
      headers: { "x-actor-encoding": encoding },
    });
    const done = router.handleWebSocket(request, server, actorId);
    onTestFinished(() => {
      if (client.readyState === 1) client.close(1000);
    });
    return { client, instance, done, messages: inbox(client) };
  }

  test("json: init first as a text frame, then action replies", async () => {
    const { client, messages } = connect("json");
    const init = await messages.next();
    expect(typeof init).toBe("string");
    expect(JSON.parse(init as string)).toMatchObject({ type: "init", connectionId: "c0" });
    client.send(JSON.stringify({ type: "action", id: 1, name: "echo", args: [5] }));
    expect(JSON.parse((await messages.next()) as string)).toEqual({
      type: "action_response",
      id: 1,
      output: [5],
    });
  });

  test("cbor: binary frames both ways; frames sent before init wait for setup", async () => {
    const { client, messages } = connect("cbor");
    client.send(encodeCbor({ type: "action", id: 3, name: "echo", args: [new Uint8Array([7])] }));
    const init = await messages.next();
    expect(init).toBeInstanceOf(ArrayBuffer);
    expect(decodeCbor(new Uint8Array(init as ArrayBuffer))).toMatchObject({ type: "init" });
    const reply = decodeCbor(new Uint8Array((await messages.next()) as ArrayBuffer));
    expect(reply).toEqual({ type: "action_response", id: 3, output: [new Uint8Array([7])] });
  });

  test("a malformed frame gets an error message and close 1007 (ERR-5)", async () => {
    const { client, instance, messages } = connect("json");
    await messages.next();
    const closed = closeOf(client);
    const error = messages.next();
    client.send("{not json");
    expect(JSON.parse((await error) as string)).toMatchObject({
      type: "error",
      code: "malformed_message",
    });
    const event = await closed;
    expect([event.code, event.reason]).toEqual([1007, "malformed_message"]);
    await expect.poll(() => instance.closed).toEqual(["c0"]);
  });

  test("an oversized frame gets message_too_large and close 1009", async () => {
    const { client, messages } = connect("json");
    await messages.next();
    const closed = closeOf(client);
    client.send(
      JSON.stringify({ type: "action", id: 1, name: "echo", args: ["x".repeat(70_000)] }),
    );
    expect((await closed).code).toBe(1009);
    expect((await closed).reason).toBe("message_too_large");
  });

  test("closing the socket closes the connection exactly once (CONN-9)", async () => {
    const { client, instance, messages } = connect("json");
    await messages.next();
    const closed = closeOf(client);
    client.close(1000);
    await closed;
    await expect.poll(() => instance.closed).toEqual(["c0"]);
  });

  test("the server closing the transport closes the socket with 1000 and the reason", async () => {
    const { client, instance, messages } = connect("json");
    await messages.next();
    const closed = closeOf(client);
    client.send(JSON.stringify({ type: "action", id: 1, name: "disconnect", args: [] }));
    const event = await closed;
    expect([event.code, event.reason]).toEqual([1000, "bye"]);
    await expect.poll(() => instance.closed).toEqual(["c0"]);
  });

  test("setup errors send one error message and close with 4000 + status", async () => {
    const { client, done, messages } = connect("json", "missing-actor");
    const closed = closeOf(client);
    const error = JSON.parse((await messages.next()) as string);
    expect(error).toMatchObject({ type: "error", code: "actor_not_found" });
    const event = await closed;
    expect([event.code, event.reason]).toEqual([4404, "actor_not_found"]);
    await done;
  });

  test("an invalid encoding closes 4400 without a message", async () => {
    const { router } = setup();
    const [client, server] = createSocketPair();
    const messages: unknown[] = [];
    client.addEventListener("message", (e) => messages.push(e.data));
    const closed = closeOf(client);
    await router.handleWebSocket(
      new Request("http://actor/connect/websocket", { headers: { "x-actor-encoding": "xml" } }),
      server,
      "actor-1",
    );
    expect([(await closed).code, (await closed).reason]).toEqual([4400, "invalid_encoding"]);
    expect(messages).toEqual([]);
  });
});

describe("actor router: raw WebSocket", () => {
  function rawSocket(path: string, headers: Record<string, string> = {}) {
    const { router } = setup();
    const [client, server] = createSocketPair();
    void router.handleWebSocket(new Request(`http://actor${path}`, { headers }), server, "actor-1");
    onTestFinished(() => {
      if (client.readyState === 1) client.close(1000);
    });
    return { client, messages: inbox(client) };
  }

  test("onWebSocket sees the exact subpath and query; frames keep their kind (RAWWS-2, RAWWS-3)", async () => {
    const { client, messages } = rawSocket("/raw/websocket/room/%2F1?token=a%20b&x", {
      "x-actor-internal-auth-data": encodeAuthData("me"),
    });
    client.send("early text");
    client.send(new Uint8Array([1, 2]));
    const hello = JSON.parse((await messages.next()) as string);
    expect(hello).toEqual({ url: "http://actor/room/%2F1?token=a%20b&x", auth: "me" });
    expect(await messages.next()).toBe("early text");
    const binary = await messages.next();
    expect([...new Uint8Array(binary as ArrayBuffer)]).toEqual([1, 2]);
  });

  test("close codes and reasons cross both ways (RAWWS-4)", async () => {
    const { client: fromActor, messages } = rawSocket("/raw/websocket/");
    await messages.next();
    const closedByActor = closeOf(fromActor);
    fromActor.send("close-me");
    expect([(await closedByActor).code, (await closedByActor).reason]).toEqual([4321, "as asked"]);
  });

  test("an empty subpath is /", async () => {
    const { messages } = rawSocket("/raw/websocket");
    expect(JSON.parse((await messages.next()) as string).url).toBe("http://actor/");
  });
});

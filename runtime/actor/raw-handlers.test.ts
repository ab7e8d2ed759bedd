import { describe, expect, onTestFinished, test } from "vitest";
import { createSocketPair } from "../routing/socket-pair.ts";
import { actor } from "./definition.ts";
import { createTestActor, type TestActor, waitFor } from "./test-helpers.ts";

async function start(definition: Parameters<typeof createTestActor>[0]): Promise<TestActor> {
  const t = await createTestActor(definition);
  onTestFinished(() => t.stop());
  return t;
}

describe("raw handlers", () => {
  test("handleFetch passes the request and auth to onFetch and returns its Response (RAWHTTP-1)", async () => {
    const t = await start(
      actor({
        onFetch: async (_c, request, { auth }) =>
          new Response(JSON.stringify({ url: request.url, body: await request.text(), auth }), {
            status: 201,
          }),
        actions: {},
      }),
    );
    const res = await t.instance.handleFetch(
      new Request("http://actor/a/b?x=1", { method: "POST", body: "hi" }),
      {
        user: "u",
      },
    );
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      url: "http://actor/a/b?x=1",
      body: "hi",
      auth: { user: "u" },
    });
  });

  test("no onFetch is fetch_handler_not_defined; a non-Response is invalid_fetch_response (RAWHTTP-3)", async () => {
    const none = await start(actor({ actions: {} }));
    await expect(
      none.instance.handleFetch(new Request("http://actor/"), undefined),
    ).rejects.toMatchObject({
      code: "fetch_handler_not_defined",
    });
    const wrong = await start(actor({ onFetch: () => ({ status: "nope" }) as never, actions: {} }));
    await expect(
      wrong.instance.handleFetch(new Request("http://actor/"), undefined),
    ).rejects.toMatchObject({
      code: "invalid_fetch_response",
    });
  });

  test("no onWebSocket is websocket_handler_not_defined", async () => {
    const t = await start(actor({ actions: {} }));
    const [client, server] = createSocketPair({ protocol: "" });
    onTestFinished(() => client.close());
    await expect(
      t.instance.handleWebSocket(server, new Request("http://actor/"), undefined),
    ).rejects.toMatchObject({
      code: "websocket_handler_not_defined",
    });
  });

  test("onWebSocket gets the socket with request and auth; stop() closes a socket the actor still holds", async () => {
    let seen: { url: string; auth: unknown } | undefined;
    const t = await start(
      actor({
        onWebSocket: (_c, socket, { request, auth }) => {
          seen = { url: request.url, auth };
          socket.addEventListener("message", (event) => socket.send(`echo:${String(event.data)}`));
        },
        actions: {},
      }),
    );
    const [client, server] = createSocketPair({ protocol: "" });
    onTestFinished(() => client.close());
    const received: string[] = [];
    let closed: { code: number } | undefined;
    client.addEventListener("message", (event) => received.push(String(event.data)));
    client.addEventListener("close", (event) => (closed = { code: event.code }));
    await t.instance.handleWebSocket(server, new Request("http://actor/room?x=1"), "token");
    expect(seen).toEqual({ url: "http://actor/room?x=1", auth: "token" });
    client.send("hi");
    await waitFor(() => received.length === 1, "the echo");
    expect(received).toEqual(["echo:hi"]);
    await t.instance.stop();
    await waitFor(() => closed !== undefined, "the socket to close");
    expect(closed).toEqual({ code: 1001 });
  });
});

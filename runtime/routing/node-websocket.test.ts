import type { AddressInfo } from "node:net";
import { describe, expect, onTestFinished, test } from "vitest";
import { WebSocket, WebSocketServer } from "ws";
import { adaptNodeWebSocket } from "./node-websocket.ts";
import type { UniversalCloseEvent, UniversalWebSocket } from "./universal-websocket.ts";

/** A ws server on 127.0.0.1 and a connected client; both sides adapted. */
async function connectedPair(): Promise<{
  client: UniversalWebSocket;
  server: UniversalWebSocket;
  serverOpened: Promise<unknown>;
}> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close(() => resolve());
      }),
  );
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const port = (wss.address() as AddressInfo).port;
  let serverOpened: Promise<unknown> = Promise.resolve();
  const serverSide = new Promise<UniversalWebSocket>((resolve) =>
    wss.once("connection", (ws) => {
      const adapted = adaptNodeWebSocket(ws);
      serverOpened = new Promise((opened) => adapted.addEventListener("open", opened));
      resolve(adapted);
    }),
  );
  const client = adaptNodeWebSocket(new WebSocket(`ws://127.0.0.1:${port}`, ["actor.v1"]));
  await new Promise((resolve) => client.addEventListener("open", resolve));
  const server = await serverSide;
  return { client, server, serverOpened };
}

function messages(socket: UniversalWebSocket, count: number): Promise<(string | ArrayBuffer)[]> {
  const seen: (string | ArrayBuffer)[] = [];
  return new Promise((resolve) =>
    socket.addEventListener("message", (e) => {
      seen.push(e.data);
      if (seen.length === count) resolve(seen);
    }),
  );
}

describe("adaptNodeWebSocket()", () => {
  test("text frames arrive as strings and binary frames as ArrayBuffer, in order", async () => {
    const { client, server } = await connectedPair();
    const got = messages(server, 3);
    client.send("héllo");
    client.send(new Uint8Array([0, 255, 7]));
    client.send("");
    const [text, binary, empty] = await got;
    expect(text).toBe("héllo");
    expect(binary).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(binary as ArrayBuffer)]).toEqual([0, 255, 7]);
    expect(empty).toBe("");
    expect(server.protocol).toBe("actor.v1");
  });

  test("a server-side socket that is already open still reports open", async () => {
    const { server, serverOpened } = await connectedPair();
    await serverOpened;
    expect(server.readyState).toBe(1);
  });

  test("close codes and reasons cross unchanged in both directions", async () => {
    const first = await connectedPair();
    const closed = new Promise<UniversalCloseEvent>((resolve) =>
      first.server.addEventListener("close", resolve),
    );
    first.client.close(4321, "client reason");
    expect([(await closed).code, (await closed).reason]).toEqual([4321, "client reason"]);

    const second = await connectedPair();
    const closedClient = new Promise<UniversalCloseEvent>((resolve) =>
      second.client.addEventListener("close", resolve),
    );
    second.server.close(1011, "server reason");
    expect([(await closedClient).code, (await closedClient).reason]).toEqual([
      1011,
      "server reason",
    ]);
  });

  test("send() on a closed socket throws an error naming the state", async () => {
    const { client } = await connectedPair();
    const closed = new Promise((resolve) => client.addEventListener("close", resolve));
    client.close(1000);
    await closed;
    expect(() => client.send("x")).toThrow(/readyState 3 \(CLOSED\)/);
  });
});

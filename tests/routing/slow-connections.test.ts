/**
 * Backpressure: a subscriber that does not read (SSE or WebSocket) is sent one
 * `send_buffer_exceeded` error and closed once its unsent data passes MAX_SEND_BUFFER_BYTES,
 * instead of growing the server's memory (docs/protocol.md, "Size limits").
 */
import { describe, expect, test } from "vitest";
import { MAX_SEND_BUFFER_BYTES } from "../../runtime/protocol/limits.ts";
import {
  closed,
  events,
  inbox,
  opened,
  openSocket,
  serveFixture,
  structured,
} from "./served-fixture.ts";

const getOrCreate = (key: string[]) => ({ getOrCreateForKey: { name: "guarded", key } });

/** 400 events of 60 KB: 24 MB, far past the limit and the loopback socket buffers. */
const FLOOD = { count: 400, size: 60_000 };

async function flood(endpoint: string, key: string[]): Promise<void> {
  const res = await fetch(`${endpoint}/actors/actions/flood`, {
    method: "POST",
    headers: structured(getOrCreate(key)),
    body: JSON.stringify({ args: [FLOOD.count, FLOOD.size] }),
  });
  expect([res.status, await res.json()]).toEqual([200, { output: FLOOD.count }]);
}

describe("a connection whose client does not read is closed, not buffered without bound", () => {
  test("WebSocket: events stop, one send_buffer_exceeded error, close 1013", async () => {
    const { endpoint, disconnects } = await serveFixture();
    const socket = openSocket(endpoint, "/actors/connect/websocket", {
      query: getOrCreate(["slow-ws"]),
    });
    const messages = inbox(socket);
    await opened(socket);
    expect(await messages.json()).toMatchObject({ type: "init" });
    socket.send(JSON.stringify({ type: "subscribe", event: "flood" }));
    socket.send(JSON.stringify({ type: "action", id: 1, name: "echo", args: [] }));
    expect(await messages.json()).toMatchObject({ type: "action_response", id: 1 });
    const ended = closed(socket);
    socket.pause();
    await flood(endpoint, ["slow-ws"]);
    socket.resume();
    let received = 0;
    let last: { type: string; code?: string; metadata?: { limit: number } } | undefined;
    for (;;) {
      last = await messages.json();
      if (last?.type !== "event") break;
      received++;
    }
    expect(last).toMatchObject({
      type: "error",
      code: "send_buffer_exceeded",
      metadata: { limit: MAX_SEND_BUFFER_BYTES },
    });
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(FLOOD.count);
    expect(await ended).toEqual({ code: 1013, reason: "send_buffer_exceeded" });
    // The actor sees the connection end (CONN-9).
    while (disconnects.count < 1) await disconnects.next();
  });

  test("SSE: events stop, one send_buffer_exceeded error, the stream ends", async () => {
    const { endpoint, disconnects } = await serveFixture();
    const res = await fetch(`${endpoint}/actors/connect/sse`, {
      headers: structured(getOrCreate(["slow-sse"])),
    });
    const read = events(res);
    const next = async (): Promise<any> => {
      const data = await read();
      return data === undefined ? undefined : JSON.parse(data);
    };
    const init = await next();
    const subscribe = await fetch(`${endpoint}/actors/connections/message`, {
      method: "POST",
      headers: {
        "x-actor-encoding": "json",
        "x-actor-id": init.actorId,
        "x-actor-conn-id": init.connectionId,
        "x-actor-conn-token": init.connectionToken,
      },
      body: JSON.stringify({ type: "subscribe", event: "flood" }),
    });
    expect(subscribe.status).toBe(200);
    // Nothing is read while the actor floods the connection.
    await flood(endpoint, ["slow-sse"]);
    let received = 0;
    let last: any;
    for (;;) {
      last = await next();
      if (last?.type !== "event") break;
      received++;
    }
    expect(last).toMatchObject({ type: "error", code: "send_buffer_exceeded" });
    expect(received).toBeLessThan(FLOOD.count);
    expect(await next()).toBeUndefined();
    while (disconnects.count < 1) await disconnects.next();
  });

  test("a client that reads keeps every event of a burst under the limit", async () => {
    const { endpoint } = await serveFixture();
    const socket = openSocket(endpoint, "/actors/connect/websocket", {
      query: getOrCreate(["fast"]),
    });
    const messages = inbox(socket);
    await opened(socket);
    await messages.json();
    socket.send(JSON.stringify({ type: "subscribe", event: "flood" }));
    socket.send(JSON.stringify({ type: "action", id: 1, name: "echo", args: [] }));
    await messages.json();
    // 3 MB in one burst: under the limit even before a byte reaches the socket.
    const res = await fetch(`${endpoint}/actors/actions/flood`, {
      method: "POST",
      headers: structured(getOrCreate(["fast"])),
      body: JSON.stringify({ args: [50, 60_000] }),
    });
    expect(res.status).toBe(200);
    for (let i = 0; i < 50; i++) {
      const event = await messages.json();
      expect([event.type, event.name, event.args[0], event.args[1].length]).toEqual([
        "event",
        "flood",
        i,
        60_000,
      ]);
    }
  });
});

import { describe, expect, test } from "vitest";
import { bufferSocket } from "./buffered-socket.ts";
import { createSocketPair } from "./socket-pair.ts";
import type { UniversalCloseEvent } from "./universal-websocket.ts";

describe("bufferSocket()", () => {
  test("holds frames and the close until a message listener is added, then delivers them in order", async () => {
    const [client, server] = createSocketPair();
    const held = bufferSocket(server);
    client.send("first");
    client.send(new Uint8Array([9]));
    client.close(4001, "gone");
    await new Promise<void>((resolve) => server.addEventListener("close", () => resolve()));
    const seen: unknown[] = [];
    const closed = new Promise<UniversalCloseEvent>((resolve) =>
      held.addEventListener("close", resolve),
    );
    held.addEventListener("message", (e) => seen.push(e.data));
    const event = await closed;
    expect(seen[0]).toBe("first");
    expect([...new Uint8Array(seen[1] as ArrayBuffer)]).toEqual([9]);
    expect([event.code, event.reason]).toEqual([4001, "gone"]);
  });

  test("release() lets events through without a message listener", async () => {
    const [client, server] = createSocketPair();
    const held = bufferSocket(server);
    client.close(1000, "bye");
    const closed = new Promise<UniversalCloseEvent>((resolve) =>
      held.addEventListener("close", resolve),
    );
    held.release();
    expect((await closed).reason).toBe("bye");
  });

  test("send and close go straight to the wrapped socket", async () => {
    const [client, server] = createSocketPair();
    const held = bufferSocket(server);
    const got = new Promise<string>((resolve) =>
      client.addEventListener("message", (e) => resolve(e.data as string)),
    );
    held.send("out");
    expect(await got).toBe("out");
    held.close(1011, "internal");
    expect(server.readyState).toBe(2);
  });
});

import { describe, expect, test } from "vitest";
import { createSocketPair } from "./socket-pair.ts";
import type {
  UniversalCloseEvent,
  UniversalMessageEvent,
  UniversalWebSocket,
} from "./universal-websocket.ts";

function nextEvent<T>(socket: UniversalWebSocket, type: "open" | "message" | "close"): Promise<T> {
  return new Promise((resolve) => {
    const listener = (event: unknown) => {
      socket.removeEventListener(type, listener);
      resolve(event as T);
    };
    socket.addEventListener(type, listener);
  });
}

function collect(socket: UniversalWebSocket, count: number): Promise<(string | ArrayBuffer)[]> {
  const seen: (string | ArrayBuffer)[] = [];
  return new Promise((resolve) => {
    socket.addEventListener("message", (event) => {
      seen.push(event.data);
      if (seen.length === count) resolve(seen);
    });
  });
}

describe("createSocketPair()", () => {
  test("both ends are OPEN at once and fire open asynchronously, once", async () => {
    const [a, b] = createSocketPair({ protocol: "actor.v1" });
    expect(a.readyState).toBe(1);
    expect(b.readyState).toBe(1);
    expect(a.protocol).toBe("actor.v1");
    let opens = 0;
    a.addEventListener("open", () => opens++);
    const opened = nextEvent(b, "open");
    expect(opens).toBe(0);
    await opened;
    // Messages are queued behind the open events, so after one arrives both ends have opened.
    const delivered = nextEvent(b, "message");
    a.send("after open");
    await delivered;
    expect(opens).toBe(1);
    a.close();
  });

  test("send() delivers in order; strings stay strings, binary arrives as a fresh ArrayBuffer", async () => {
    const [a, b] = createSocketPair();
    const received = collect(b, 4);
    const bytes = new Uint8Array([1, 2, 3, 4, 5]);
    a.send("one");
    a.send(bytes.subarray(1, 4));
    a.send(bytes.buffer);
    a.send("");
    bytes[1] = 99; // mutating after send must not change what the peer got
    const [first, second, third, fourth] = await received;
    expect(first).toBe("one");
    expect(second).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(second as ArrayBuffer)]).toEqual([2, 3, 4]);
    expect([...new Uint8Array(third as ArrayBuffer)]).toEqual([1, 2, 3, 4, 5]);
    expect(fourth).toBe("");
    a.close();
  });

  test("messages are delivered asynchronously, never during send()", () => {
    const [a, b] = createSocketPair();
    let got = false;
    b.addEventListener("message", () => {
      got = true;
    });
    a.send("x");
    expect(got).toBe(false);
    a.close();
  });

  test("close(code, reason) reaches both ends with that code and reason", async () => {
    const [a, b] = createSocketPair();
    const closeA = nextEvent<UniversalCloseEvent>(a, "close");
    const closeB = nextEvent<UniversalCloseEvent>(b, "close");
    a.close(4001, "bye now");
    expect(a.readyState).toBe(2);
    const [ea, eb] = await Promise.all([closeA, closeB]);
    expect([ea.code, ea.reason, eb.code, eb.reason]).toEqual([4001, "bye now", 4001, "bye now"]);
    expect(a.readyState).toBe(3);
    expect(b.readyState).toBe(3);
  });

  test("close() without a code reports 1005 to the peer; a reason alone closes with 1000", async () => {
    const [a, b] = createSocketPair();
    const closeB = nextEvent<UniversalCloseEvent>(b, "close");
    a.close();
    expect((await closeB).code).toBe(1005);
    expect((await closeB).reason).toBe("");

    const [c, d] = createSocketPair();
    const closeD = nextEvent<UniversalCloseEvent>(d, "close");
    c.close(undefined, "done");
    expect([(await closeD).code, (await closeD).reason]).toEqual([1000, "done"]);
  });

  test("the last message sent before a close is delivered before the close event", async () => {
    const [a, b] = createSocketPair();
    const order: string[] = [];
    b.addEventListener("message", (e) => order.push(`message:${e.data}`));
    const closed = nextEvent<UniversalCloseEvent>(b, "close");
    b.addEventListener("close", () => order.push("close"));
    a.send("last");
    a.close(1000);
    await closed;
    expect(order).toEqual(["message:last", "close"]);
  });

  test("send() after close throws an error naming the ready state", async () => {
    const [a, b] = createSocketPair();
    const closed = Promise.all([nextEvent(a, "close"), nextEvent(b, "close")]);
    a.close(1000);
    expect(() => a.send("x")).toThrow(/readyState 2 \(CLOSING\)/);
    await closed;
    expect(() => a.send("x")).toThrow(/readyState 3 \(CLOSED\)/);
    expect(() => b.send("x")).toThrow(/CLOSED/);
  });

  test("close codes are validated like browsers on the client end, like RFC 6455 servers on the server end", () => {
    const [client, server] = createSocketPair();
    expect(() => client.close(1001)).toThrow(TypeError);
    expect(() => client.close(999)).toThrow(TypeError);
    expect(() => client.close(5000)).toThrow(TypeError);
    expect(() => server.close(1005)).toThrow(TypeError);
    expect(() => server.close(1004)).toThrow(TypeError);
    expect(() => client.close(4000, "x".repeat(124))).toThrow(TypeError);
    expect(client.readyState).toBe(1);
    server.close(1011, "internal");
    expect(server.readyState).toBe(2);
  });

  test("on* properties and removeEventListener work", async () => {
    const [a, b] = createSocketPair();
    const seen: string[] = [];
    const removed = () => seen.push("removed");
    b.addEventListener("message", removed);
    b.removeEventListener("message", removed);
    const got = new Promise<UniversalMessageEvent>((resolve) => {
      (b as unknown as { onmessage: (e: UniversalMessageEvent) => void }).onmessage = resolve;
    });
    a.send("hello");
    expect((await got).data).toBe("hello");
    expect(seen).toEqual([]);
    a.close();
  });

  test("a throwing listener does not stop delivery to the others", async () => {
    const [a, b] = createSocketPair();
    const original = console.error;
    console.error = () => {};
    try {
      b.addEventListener("message", () => {
        throw new Error("listener failure");
      });
      const got = nextEvent<UniversalMessageEvent>(b, "message");
      a.send("still delivered");
      expect((await got).data).toBe("still delivered");
    } finally {
      console.error = original;
      a.close();
    }
  });

  test("binaryType accepts only arraybuffer", () => {
    const [a] = createSocketPair();
    a.binaryType = "arraybuffer";
    expect(() => {
      a.binaryType = "blob";
    }).toThrow(TypeError);
    a.close();
  });
});

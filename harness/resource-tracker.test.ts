import { describe, expect, test } from "vitest";
import { describeLeaks, ResourceTracker } from "./resource-tracker.ts";

class FakeSocket {
  readyState = 1;
  closedWith: [number?, string?] | undefined;
  send(): void {}
  close(code?: number, reason?: string): void {
    this.closedWith = [code, reason];
    this.readyState = 3;
  }
}

class FakeConnection {
  #status = "open";
  get status(): string {
    return this.#status;
  }
  on(): void {}
  async dispose(): Promise<void> {
    this.#status = "disposed";
  }
}

/** Shaped like the runtime client: a proxy of accessors, handles with private fields. */
function fakeClient() {
  class Handle {
    readonly #key: string[];
    constructor(key: string[]) {
      this.#key = key;
    }
    connect() {
      return new FakeConnection();
    }
    async websocket() {
      return new FakeSocket();
    }
    async echo<T>(value: T): Promise<T> {
      return value;
    }
    get key() {
      return this.#key;
    }
  }
  const base = {
    disposed: false,
    async dispose() {
      base.disposed = true;
    },
  };
  return new Proxy(base, {
    get(target, prop) {
      if (typeof prop === "symbol" || prop in target) return Reflect.get(target, prop);
      return { getOrCreate: (key: string[]) => new Handle(key) };
    },
  }) as typeof base & Record<string, { getOrCreate(key: string[]): Handle }>;
}

describe("ResourceTracker", () => {
  test("counts connections and sockets left open, then closes them", async () => {
    const tracker = new ResourceTracker();
    const client = tracker.trackClient(fakeClient());
    const handle = client.counter.getOrCreate(["a"]);
    expect(handle.key).toEqual(["a"]);
    const kept = handle.connect();
    const disposed = client.counter.getOrCreate(["b"]).connect();
    await disposed.dispose();
    const socket = await handle.websocket();
    expect(tracker.openCounts()).toEqual([
      { kind: "connection", count: 1 },
      { kind: "websocket", count: 1 },
    ]);
    expect(await tracker.closeAll()).toEqual([]);
    expect(kept.status).toBe("disposed");
    expect(socket.closedWith).toEqual([1000, "closed by driver-cert after the test"]);
    expect(tracker.openCounts()).toEqual([]);
  });

  test("never wraps action results", async () => {
    const tracker = new ResourceTracker();
    const client = tracker.trackClient(fakeClient());
    const bytes = new Uint8Array([1, 2]);
    const map = new Map([["k", 1]]);
    expect(await client.counter.getOrCreate(["a"]).echo(bytes)).toBe(bytes);
    expect(await client.counter.getOrCreate(["a"]).echo(map)).toBe(map);
  });

  test("a harness-owned client is disposed by closeAll and never counted", async () => {
    const tracker = new ResourceTracker();
    const raw = fakeClient();
    const client = tracker.trackClient(raw, true);
    client.counter.getOrCreate(["a"]).connect();
    expect(describeLeaks(tracker.openCounts())).toBe("left open: 1 connection");
    await tracker.closeAll();
    expect(raw.disposed).toBe(true);
    expect(tracker.openCounts()).toEqual([]);
  });
});

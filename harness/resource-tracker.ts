/**
 * Tracks what a test opens through its clients (connections, raw WebSockets) so
 * the harness can close all of it after the test, pass or fail, and report what the test left
 * open. Clients are wrapped in a proxy that follows only the navigation path
 * (client -> accessor -> handle); values returned by actions are never wrapped.
 */

/** Kinds of resources a test can leave open (clients are harness-owned and never counted). */
export type ResourceKind = "client" | "connection" | "websocket";

/** How many resources of one kind a test left open. */
export interface LeakCount {
  kind: ResourceKind;
  count: number;
}

interface Resource {
  kind: ResourceKind;
  /** Counted in `openCounts()` when still open; false for harness-owned resources. */
  counted: boolean;
  isOpen(): boolean;
  close(): Promise<void>;
}

const CLOSED_BY_HARNESS = "closed by driver-cert after the test";

// Membership is tested with `in`, never by reading: handles and connections answer any
// property read with an action caller, so reading `dispose` on a handle says nothing.
function isWebSocketLike(value: any): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    "readyState" in value &&
    "send" in value &&
    "close" in value &&
    typeof value.readyState === "number"
  );
}

function isConnectionLike(value: any): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    "dispose" in value &&
    "status" in value &&
    typeof value.dispose === "function"
  );
}

function isThenable(value: any): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof value.then === "function";
}

/** Closes tracked resources and counts the ones still open; one tracker per test. */
export class ResourceTracker {
  readonly #resources: Resource[] = [];
  readonly #wrapped = [
    new WeakMap<object, object>(),
    new WeakMap<object, object>(),
    new WeakMap<object, object>(),
  ];

  /**
   * Returns `client` wrapped so that connections (`handle.connect()`) and raw sockets
   * (`handle.websocket()`) it opens are tracked. With `closeAfter`, the client itself is
   * disposed by `closeAll()` too (harness-owned: never counted as left open).
   */
  trackClient<T extends object>(client: T, closeAfter = false): T {
    if (closeAfter) {
      const target = client as { dispose?: () => unknown };
      this.#resources.push({
        kind: "client",
        counted: false,
        isOpen: () => true,
        close: async () => {
          await target.dispose?.();
        },
      });
    }
    return this.#wrap(client, 0) as T;
  }

  /** Tracks a socket the harness did not see being opened (for helpers outside the client). */
  trackWebSocket<
    T extends { close(code?: number, reason?: string): void; readonly readyState: number },
  >(socket: T): T {
    this.#resources.push({
      kind: "websocket",
      counted: true,
      isOpen: () => socket.readyState === 0 || socket.readyState === 1,
      close: async () => socket.close(1000, CLOSED_BY_HARNESS),
    });
    return socket;
  }

  /** Counts open resources by kind, kinds with none left out. */
  openCounts(): LeakCount[] {
    const counts = new Map<ResourceKind, number>();
    for (const r of this.#resources)
      if (r.counted && r.isOpen()) counts.set(r.kind, (counts.get(r.kind) ?? 0) + 1);
    return [...counts].map(([kind, count]) => ({ kind, count }));
  }

  /** Closes everything still open, newest first, and forgets it; errors are returned, not thrown. */
  async closeAll(): Promise<unknown[]> {
    const errors: unknown[] = [];
    for (const r of this.#resources.splice(0).reverse()) {
      if (!r.isOpen()) continue;
      try {
        await r.close();
      } catch (error) {
        errors.push(error);
      }
    }
    return errors;
  }

  #classify(value: unknown, level: number): unknown {
    if (isWebSocketLike(value)) {
      this.trackWebSocket(value as WebSocket);
      return value;
    }
    if (isConnectionLike(value)) {
      const conn = value as { dispose(): unknown; status?: unknown };
      this.#resources.push({
        kind: "connection",
        counted: true,
        isOpen: () => !["disposed", "failed"].includes(String(conn.status)),
        close: async () => {
          await conn.dispose();
        },
      });
      return value;
    }
    // Only the navigation path is wrapped: client (0) -> accessor (1) -> handle (2).
    if (level <= 2 && typeof value === "object" && value !== null) return this.#wrap(value, level);
    return value;
  }

  #wrap(target: object, level: number, owner?: object): object {
    const cache = this.#wrapped[level];
    const known = typeof target === "function" ? undefined : cache.get(target);
    if (known) return known;
    const handler: ProxyHandler<any> = {
      get: (t, prop) => {
        // The target is the receiver so getters and private fields of class instances work.
        const value = Reflect.get(t, prop, t);
        if (typeof prop === "symbol") return value;
        const next = typeof t === "function" ? level + 1 : level;
        if (typeof value === "function") return this.#wrap(value, next, t);
        return next === 0 ? this.#classify(value, 1) : value;
      },
    };
    if (typeof target === "function") {
      // Methods are called on their owner, never on the proxy, and their results are classified.
      handler.apply = (fn, _this, args) => {
        const result = Reflect.apply(fn, owner, args);
        return isThenable(result)
          ? Promise.resolve(result).then((r) => this.#classify(r, level + 1))
          : this.#classify(result, level + 1);
      };
    }
    const proxy = new Proxy(target, handler);
    if (typeof target !== "function") cache.set(target, proxy);
    return proxy;
  }
}

/** "left open: 2 connections, 1 websocket", or undefined when nothing was left open. */
export function describeLeaks(leaks: readonly LeakCount[]): string | undefined {
  if (leaks.length === 0) return undefined;
  return `left open: ${leaks.map((l) => `${l.count} ${l.kind}${l.count === 1 ? "" : "s"}`).join(", ")}`;
}

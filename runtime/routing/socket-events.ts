/**
 * Shared plumbing for UniversalWebSocket implementations: the listener registry behind
 * addEventListener / on* properties, ready-state names, and close-code validation
 * (RFC 6455 section 7.4).
 */
import type {
  UniversalWebSocketEventMap,
  WebSocketData,
  WebSocketReadyState,
} from "./universal-websocket.ts";

type EventName = keyof UniversalWebSocketEventMap;
type Listener<K extends EventName> = (event: UniversalWebSocketEventMap[K]) => void;

const STATE_NAMES = ["CONNECTING", "OPEN", "CLOSING", "CLOSED"] as const;

/** "2 (CLOSING)": a ready state by number and name, for error messages. */
export function describeReadyState(state: WebSocketReadyState): string {
  return `${state} (${STATE_NAMES[state]})`;
}

/** The error `send()` throws on a socket that is not OPEN; names the state. */
export function notOpenError(state: WebSocketReadyState): Error {
  return new Error(`WebSocket is not open: readyState ${describeReadyState(state)}`);
}

/**
 * Which close codes a side may send. "client" follows browsers (1000 or 3000-4999);
 * "server" follows RFC 6455 7.4.1 for an endpoint (1000-1003, 1007-1014, 3000-4999), so a
 * server can report 1007 (malformed), 1009 (too big) or 1011 (internal).
 */
export type CloseCodeRules = "client" | "server";

/**
 * Validates `close(code, reason)` arguments. Throws a TypeError for a code the side may not send
 * or a reason longer than 123 UTF-8 bytes (a close frame payload is at most 125 bytes).
 */
export function validateClose(
  code: number | undefined,
  reason: string | undefined,
  rules: CloseCodeRules,
): void {
  if (code !== undefined) {
    const app = Number.isInteger(code) && code >= 3000 && code <= 4999;
    const ok =
      rules === "client"
        ? code === 1000 || app
        : app ||
          (Number.isInteger(code) &&
            code >= 1000 &&
            code <= 1014 &&
            code !== 1004 &&
            code !== 1005 &&
            code !== 1006);
    if (!ok) {
      const allowed =
        rules === "client" ? "1000 or 3000-4999" : "1000-1003, 1007-1014 or 3000-4999";
      throw new TypeError(`WebSocket close code ${code} is not allowed (expected ${allowed})`);
    }
  }
  if (reason !== undefined && new TextEncoder().encode(reason).byteLength > 123) {
    throw new TypeError("WebSocket close reason is longer than 123 UTF-8 bytes");
  }
}

/**
 * Copies outgoing binary data into a fresh ArrayBuffer so neither side can mutate what the
 * other received. Strings pass through. Throws a TypeError for any other value.
 */
export function copyFrameData(data: WebSocketData): string | ArrayBuffer {
  if (typeof data === "string") return data;
  if (data instanceof ArrayBuffer) return data.slice(0);
  if (ArrayBuffer.isView(data)) {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return bytes.slice().buffer;
  }
  throw new TypeError(
    `WebSocket send() takes a string, ArrayBuffer or ArrayBufferView, got ${typeof data}`,
  );
}

/**
 * The listener registry of one socket: `addEventListener` semantics (a listener is added once),
 * plus the `on<type>` property handlers. A throwing listener is logged and does not stop the
 * others, as with EventTarget.
 */
export class SocketEvents {
  readonly #listeners: { [K in EventName]: Set<Listener<K>> } = {
    open: new Set(),
    message: new Set(),
    close: new Set(),
    error: new Set(),
  };
  /** The `on<type>` property handlers, `null` when unset. */
  readonly handlers: { [K in EventName]: Listener<K> | null } = {
    open: null,
    message: null,
    close: null,
    error: null,
  };

  /** Adds `listener` for `type`; adding the same listener twice keeps one. */
  add<K extends EventName>(type: K, listener: Listener<K>): void {
    this.#listeners[type]?.add(listener);
  }

  /** Removes `listener` for `type`; unknown listeners are ignored. */
  remove<K extends EventName>(type: K, listener: Listener<K>): void {
    this.#listeners[type]?.delete(listener);
  }

  /** Calls the `on<type>` handler, then each listener in the order added, with `event`. */
  dispatch<K extends EventName>(type: K, event: UniversalWebSocketEventMap[K]): void {
    const handler = this.handlers[type] as Listener<K> | null;
    const registered = this.#listeners[type] as Set<Listener<K>>;
    if (handler === null && registered.size === 1) {
      // The usual case (one layer listening to the next): no snapshot to copy.
      for (const listener of registered) this.#call(type, listener, event);
      return;
    }
    const listeners = [...registered];
    if (handler) listeners.unshift(handler);
    for (const listener of listeners) this.#call(type, listener, event);
  }

  #call<K extends EventName>(
    type: K,
    listener: Listener<K>,
    event: UniversalWebSocketEventMap[K],
  ): void {
    try {
      listener(event);
    } catch (error) {
      console.error(`WebSocket ${type} listener threw`, error);
    }
  }
}

/**
 * The EventTarget half of a UniversalWebSocket: `addEventListener`, `removeEventListener` and
 * the `on<type>` properties over one SocketEvents registry. Socket classes extend it and call
 * `this.events.dispatch(...)`.
 */
export abstract class SocketEventTarget {
  protected readonly events = new SocketEvents();

  addEventListener<K extends EventName>(type: K, listener: Listener<K>): void {
    this.events.add(type, listener);
  }

  removeEventListener<K extends EventName>(type: K, listener: Listener<K>): void {
    this.events.remove(type, listener);
  }

  get onopen(): Listener<"open"> | null {
    return this.events.handlers.open;
  }
  set onopen(fn: Listener<"open"> | null) {
    this.events.handlers.open = fn;
  }
  get onmessage(): Listener<"message"> | null {
    return this.events.handlers.message;
  }
  set onmessage(fn: Listener<"message"> | null) {
    this.events.handlers.message = fn;
  }
  get onclose(): Listener<"close"> | null {
    return this.events.handlers.close;
  }
  set onclose(fn: Listener<"close"> | null) {
    this.events.handlers.close = fn;
  }
  get onerror(): Listener<"error"> | null {
    return this.events.handlers.error;
  }
  set onerror(fn: Listener<"error"> | null) {
    this.events.handlers.error = fn;
  }
}

/**
 * Schedules `fn` as a macrotask where the host has one (setImmediate), so a busy socket pair
 * cannot starve I/O; falls back to a microtask on hosts without it.
 */
export function scheduleTask(fn: () => void): void {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  if (immediate) immediate(fn);
  else queueMicrotask(fn);
}

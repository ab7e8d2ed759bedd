/**
 * A workerd WebSocket seen as the runtime's UniversalWebSocket. The one thing workerd does
 * differently: from compatibility dates around 2026-03, binary messages arrive as `Blob` unless
 * `binaryType` is `"arraybuffer"`, and the runtime (ROUTE-3, RAWWS-2) needs an ArrayBuffer for
 * every binary frame and a string for every text frame. So the adapter sets it before accepting.
 */
import type {
  UniversalWebSocket,
  UniversalWebSocketEventMap,
  WebSocketData,
  WebSocketReadyState,
} from "../../../runtime/driver/index.ts";
import type { WorkerdWebSocket } from "./platform.ts";

type EventName = keyof UniversalWebSocketEventMap;
type Listener<K extends EventName> = (event: UniversalWebSocketEventMap[K]) => void;

class WorkerdSocketAdapter implements UniversalWebSocket {
  readonly #ws: WorkerdWebSocket;
  readonly #protocol: string;
  readonly #listeners = new Map<EventName, Set<Listener<any>>>();

  constructor(ws: WorkerdWebSocket, protocol: string) {
    this.#ws = ws;
    this.#protocol = protocol;
    ws.addEventListener("message", (event: { data: string | ArrayBuffer }) =>
      this.#dispatch("message", { type: "message", data: event.data }),
    );
    ws.addEventListener("close", (event: { code: number; reason: string; wasClean: boolean }) =>
      this.#dispatch("close", {
        type: "close",
        code: event.code,
        reason: event.reason,
        wasClean: event.wasClean,
      }),
    );
    ws.addEventListener("error", (event: { error?: unknown }) =>
      this.#dispatch("error", { type: "error", error: event.error }),
    );
  }

  #dispatch<K extends EventName>(type: K, event: UniversalWebSocketEventMap[K]): void {
    for (const listener of [...(this.#listeners.get(type) ?? [])]) {
      try {
        (listener as Listener<K>)(event);
      } catch (error) {
        console.error(`WebSocket ${type} listener threw`, error);
      }
    }
  }

  get readyState(): WebSocketReadyState {
    return this.#ws.readyState as WebSocketReadyState;
  }

  get protocol(): string {
    return this.#protocol;
  }

  get binaryType(): string {
    return this.#ws.binaryType;
  }

  set binaryType(value: string) {
    this.#ws.binaryType = value;
  }

  send(data: WebSocketData): void {
    this.#ws.send(data);
  }

  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
  }

  addEventListener<K extends EventName>(type: K, listener: Listener<K>): void {
    const set = this.#listeners.get(type) ?? new Set();
    this.#listeners.set(type, set);
    set.add(listener);
  }

  removeEventListener<K extends EventName>(type: K, listener: Listener<K>): void {
    this.#listeners.get(type)?.delete(listener);
  }
}

/**
 * Accepts `ws` (the server end of a WebSocketPair, or the client end a stub's 101 response
 * carried) and wraps it: binary frames arrive as ArrayBuffer, text frames as strings, close
 * codes and reasons unchanged. `protocol` is the subprotocol selected for it ("" for none).
 */
export function acceptSocket(ws: WorkerdWebSocket, protocol: string): UniversalWebSocket {
  ws.binaryType = "arraybuffer";
  ws.accept();
  return new WorkerdSocketAdapter(ws, protocol);
}

/** The same wrapper without setting `binaryType`: for parts that choose it themselves. */
export function wrapAcceptedSocket(ws: WorkerdWebSocket, protocol: string): UniversalWebSocket {
  return new WorkerdSocketAdapter(ws, protocol);
}

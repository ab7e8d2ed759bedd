/**
 * A view of a UniversalWebSocket that holds incoming events until someone listens, so frames a
 * client sends right after `open` are not lost while the manager resolves the actor and the
 * actor starts (clause ROUTE-5: every message crosses, in order, the last one before a close too).
 */
import { SocketEventTarget, scheduleTask } from "./socket-events.ts";
import type {
  UniversalWebSocket,
  UniversalWebSocketEventMap,
  WebSocketData,
  WebSocketReadyState,
} from "./universal-websocket.ts";

type Held =
  | { type: "message"; event: UniversalWebSocketEventMap["message"] }
  | { type: "close"; event: UniversalWebSocketEventMap["close"] }
  | { type: "error"; event: UniversalWebSocketEventMap["error"] };

/** A UniversalWebSocket whose held events can also be released explicitly. */
export interface BufferedSocket extends UniversalWebSocket {
  /**
   * Stops holding: held events are delivered (asynchronously, in order) to whoever listens now,
   * and later events pass straight through. Adding a `message` listener does the same. Idempotent.
   */
  release(): void;
}

class HoldingSocket extends SocketEventTarget implements BufferedSocket {
  readonly #inner: UniversalWebSocket;
  readonly #held: Held[] = [];
  #holding = true;
  #flushing = false;

  constructor(inner: UniversalWebSocket) {
    super();
    this.#inner = inner;
    inner.addEventListener("message", (event) => {
      // Released and drained: frames pass straight through, nothing held is allocated.
      if (!this.#holding && !this.#flushing) this.events.dispatch("message", event);
      else this.#receive({ type: "message", event });
    });
    inner.addEventListener("close", (event) => this.#receive({ type: "close", event }));
    inner.addEventListener("error", (event) => this.#receive({ type: "error", event }));
    inner.addEventListener("open", (event) => this.events.dispatch("open", event));
  }

  get readyState(): WebSocketReadyState {
    return this.#inner.readyState;
  }

  get protocol(): string {
    return this.#inner.protocol;
  }

  get binaryType(): string {
    return this.#inner.binaryType;
  }

  set binaryType(value: string) {
    this.#inner.binaryType = value;
  }

  get bufferedAmount(): number | undefined {
    return this.#inner.bufferedAmount;
  }

  send(data: WebSocketData): void {
    this.#inner.send(data);
  }

  close(code?: number, reason?: string): void {
    this.#inner.close(code, reason);
  }

  release(): void {
    if (!this.#holding) return;
    this.#holding = false;
    if (this.#held.length > 0 && !this.#flushing) {
      this.#flushing = true;
      scheduleTask(() => this.#flush());
    }
  }

  override addEventListener<K extends keyof UniversalWebSocketEventMap>(
    type: K,
    listener: (event: UniversalWebSocketEventMap[K]) => void,
  ): void {
    super.addEventListener(type, listener);
    if (type === "message") this.release();
  }

  override get onmessage(): ((event: UniversalWebSocketEventMap["message"]) => void) | null {
    return super.onmessage;
  }
  override set onmessage(fn: ((event: UniversalWebSocketEventMap["message"]) => void) | null) {
    super.onmessage = fn;
    if (fn) this.release();
  }

  #receive(held: Held): void {
    // Anything still held (or being flushed) keeps its place in line.
    if (this.#holding || this.#flushing) {
      this.#held.push(held);
      return;
    }
    this.#deliver(held);
  }

  #flush(): void {
    while (this.#held.length > 0) this.#deliver(this.#held.shift()!);
    this.#flushing = false;
  }

  #deliver(held: Held): void {
    if (held.type === "message") this.events.dispatch("message", held.event);
    else if (held.type === "close") this.events.dispatch("close", held.event);
    else this.events.dispatch("error", held.event);
  }
}

/**
 * Wraps `socket` so its `message`, `close` and `error` events are held until a `message`
 * listener (or `onmessage`) is added or `release()` is called; then they are delivered in their
 * original order. `send`, `close`, `readyState` and `protocol` go straight to `socket`.
 */
export function bufferSocket(socket: UniversalWebSocket): BufferedSocket {
  return new HoldingSocket(socket);
}

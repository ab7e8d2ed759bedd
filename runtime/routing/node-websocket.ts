/**
 * Adapts a `ws` WebSocket (Node) to UniversalWebSocket: text frames arrive as strings, binary
 * frames as a fresh ArrayBuffer, and close codes and reasons pass through unchanged (RAWWS-4).
 */
import type { WebSocket as NodeWebSocket, RawData } from "ws";
import { copyFrameData, notOpenError, SocketEventTarget, scheduleTask } from "./socket-events.ts";
import {
  type UniversalWebSocket,
  type WebSocketData,
  type WebSocketReadyState,
  WS_OPEN,
} from "./universal-websocket.ts";

function toArrayBuffer(data: RawData): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data.slice(0);
  const buffer = Array.isArray(data) ? Buffer.concat(data) : data;
  return copyFrameData(buffer) as ArrayBuffer;
}

function toText(data: RawData): string {
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString("utf8");
  return (Array.isArray(data) ? Buffer.concat(data) : data).toString("utf8");
}

/** `ws` send options, shared by every send rather than made per frame. */
const TEXT_FRAME = Object.freeze({ binary: false });
const BINARY_FRAME = Object.freeze({ binary: true });

class NodeSocketAdapter extends SocketEventTarget implements UniversalWebSocket {
  readonly #ws: NodeWebSocket;

  constructor(ws: NodeWebSocket) {
    super();
    this.#ws = ws;
    ws.on("message", (data, isBinary) => {
      const payload = isBinary ? toArrayBuffer(data) : toText(data);
      this.events.dispatch("message", { type: "message", data: payload });
    });
    ws.on("close", (code, reason) => {
      this.events.dispatch("close", {
        type: "close",
        code,
        reason: reason.toString("utf8"),
        wasClean: code !== 1006,
      });
    });
    ws.on("error", (error) => this.events.dispatch("error", { type: "error", error }));
    // A server-side socket is already open when it is handed over; report `open` anyway,
    // asynchronously, so every UniversalWebSocket behaves the same.
    if (ws.readyState === WS_OPEN) {
      scheduleTask(() => this.events.dispatch("open", { type: "open" }));
    } else {
      ws.on("open", () => this.events.dispatch("open", { type: "open" }));
    }
  }

  get readyState(): WebSocketReadyState {
    return this.#ws.readyState as WebSocketReadyState;
  }

  get protocol(): string {
    return this.#ws.protocol;
  }

  /** ws counts bytes queued in its sender and in the TCP socket's write buffer. */
  get bufferedAmount(): number {
    return this.#ws.bufferedAmount;
  }

  get binaryType(): string {
    return "arraybuffer";
  }

  set binaryType(value: string) {
    if (value !== "arraybuffer") {
      throw new TypeError(`binaryType "${value}" is not supported; only "arraybuffer" is`);
    }
  }

  send(data: WebSocketData): void {
    const state = this.readyState;
    if (state !== WS_OPEN) throw notOpenError(state);
    this.#ws.send(data, typeof data === "string" ? TEXT_FRAME : BINARY_FRAME);
  }

  /** Closes with `code` and `reason`; `ws` validates the code (RFC 6455 7.4.1) with a TypeError. */
  close(code?: number, reason?: string): void {
    this.#ws.close(code, reason);
  }
}

/**
 * Wraps a `ws` WebSocket (client or server side) as a UniversalWebSocket. The `ws` socket keeps
 * its own `binaryType`; the adapter always delivers binary frames as ArrayBuffer. `send` throws
 * an Error naming the ready state when the socket is not OPEN.
 */
export function adaptNodeWebSocket(ws: NodeWebSocket): UniversalWebSocket {
  return new NodeSocketAdapter(ws);
}

/**
 * The one WebSocket shape every hop between a manager and an actor uses: the browser `WebSocket`
 * subset that both the `ws` package and the in-process socket pair satisfy (WHATWG WebSockets;
 * close codes per RFC 6455 section 7.4). Driver-facing signatures take and return this type only.
 */

/** `readyState` values, as in the WHATWG WebSocket interface. */
export const WS_CONNECTING = 0;
export const WS_OPEN = 1;
export const WS_CLOSING = 2;
export const WS_CLOSED = 3;

export type WebSocketReadyState = 0 | 1 | 2 | 3;

/** Data a socket can send: text frames for strings, binary frames for everything else. */
export type WebSocketData = string | ArrayBuffer | ArrayBufferView;

/** A `message` event: `data` is a string for text frames and an ArrayBuffer for binary frames. */
export interface UniversalMessageEvent {
  readonly type: "message";
  readonly data: string | ArrayBuffer;
}

/** A `close` event: `code` and `reason` exactly as the closing side gave them (RFC 6455 7.1.5). */
export interface UniversalCloseEvent {
  readonly type: "close";
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** An `open` or `error` event. */
export interface UniversalEvent {
  readonly type: "open" | "error";
  readonly error?: unknown;
}

export interface UniversalWebSocketEventMap {
  open: UniversalEvent;
  message: UniversalMessageEvent;
  close: UniversalCloseEvent;
  error: UniversalEvent;
}

/**
 * The browser WebSocket shape. Binary frames arrive as `ArrayBuffer` (`binaryType` is
 * `"arraybuffer"`); a text frame always arrives as a string. `close(code, reason)` carries the
 * code and reason to the peer unchanged (clause RAWWS-4).
 */
export interface UniversalWebSocket {
  readonly readyState: WebSocketReadyState;
  /** The subprotocol the server selected, or "" when none. */
  readonly protocol: string;
  binaryType: string;
  /**
   * Optional: bytes accepted by `send` and not yet written to the network (WHATWG
   * `bufferedAmount`). Connections use it for the send buffer limit (MAX_SEND_BUFFER_BYTES); a
   * socket without it is never closed for a slow reader.
   */
  readonly bufferedAmount?: number;
  send(data: WebSocketData): void;
  close(code?: number, reason?: string): void;
  addEventListener<K extends keyof UniversalWebSocketEventMap>(
    type: K,
    listener: (event: UniversalWebSocketEventMap[K]) => void,
  ): void;
  removeEventListener<K extends keyof UniversalWebSocketEventMap>(
    type: K,
    listener: (event: UniversalWebSocketEventMap[K]) => void,
  ): void;
}

/**
 * An in-process WebSocket pair: two connected UniversalWebSockets with no network between them.
 * The local actor host hands one end to the actor router and the other to the caller.
 */
import {
  type CloseCodeRules,
  copyFrameData,
  notOpenError,
  SocketEventTarget,
  scheduleTask,
  validateClose,
} from "./socket-events.ts";
import {
  type UniversalWebSocket,
  type WebSocketData,
  type WebSocketReadyState,
  WS_CLOSED,
  WS_CLOSING,
  WS_OPEN,
} from "./universal-websocket.ts";

/** Options for `createSocketPair`. */
export interface SocketPairOptions {
  /** The subprotocol both ends report as selected; "" when omitted. */
  protocol?: string;
}

/** What both ends report once the pair is closed (RFC 6455 7.1.5: 1005 when no code was sent). */
interface CloseInfo {
  code: number;
  reason: string;
}

interface PairState {
  closeInfo: CloseInfo | undefined;
}

type QueuedEvent = { kind: "message"; data: string | ArrayBuffer } | { kind: "finish" };

class PairSocket extends SocketEventTarget implements UniversalWebSocket {
  peer!: PairSocket;
  readonly protocol: string;
  #state: WebSocketReadyState = WS_OPEN;
  readonly #queue: QueuedEvent[] = [];
  #flushScheduled = false;
  readonly #pair: PairState;
  readonly #rules: CloseCodeRules;

  constructor(pair: PairState, protocol: string, rules: CloseCodeRules) {
    super();
    this.#pair = pair;
    this.protocol = protocol;
    this.#rules = rules;
    // Both ends are open at once; `open` still fires asynchronously, as a browser's would.
    scheduleTask(() => this.events.dispatch("open", { type: "open" }));
  }

  get readyState(): WebSocketReadyState {
    return this.#state;
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
    if (this.#state !== WS_OPEN) throw notOpenError(this.#state);
    this.peer.enqueue({ kind: "message", data: copyFrameData(data) });
  }

  close(code?: number, reason?: string): void {
    validateClose(code, reason, this.#rules);
    if (this.#state !== WS_OPEN) return;
    this.#state = WS_CLOSING;
    // The first side to close decides the code both sides report, as in a close handshake.
    // WHATWG: a reason without a code closes with 1000; no code and no reason reports 1005.
    const sent = code ?? (reason ? 1000 : 1005);
    this.#pair.closeInfo ??= { code: sent, reason: sent === 1005 ? "" : (reason ?? "") };
    this.peer.enqueue({ kind: "finish" });
    this.enqueue({ kind: "finish" });
  }

  /** Queues an event for this end; events are delivered in order, asynchronously. */
  enqueue(event: QueuedEvent): void {
    this.#queue.push(event);
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    scheduleTask(() => this.#flush());
  }

  #flush(): void {
    this.#flushScheduled = false;
    // Take a batch so events queued by listeners wait for the next task (no starvation).
    const batch = this.#queue.splice(0);
    for (const event of batch) {
      if (event.kind === "message") {
        // A socket that started closing drops incoming data, as browsers do.
        if (this.#state === WS_OPEN) {
          this.events.dispatch("message", { type: "message", data: event.data });
        }
      } else if (this.#state !== WS_CLOSED) {
        this.#state = WS_CLOSED;
        const info = this.#pair.closeInfo ?? { code: 1005, reason: "" };
        this.events.dispatch("close", {
          type: "close",
          code: info.code,
          reason: info.reason,
          wasClean: true,
        });
      }
    }
  }
}

/**
 * Creates two connected, already-open sockets. Each fires `open` once, asynchronously.
 *
 * - `send` on one end delivers a `message` on the other, asynchronously and in order; strings
 *   arrive as strings (text frames), binary data as a fresh ArrayBuffer (binary frames).
 * - `close(code, reason)` on either end gives both ends a `close` event with that code and
 *   reason (1005 and "" when no code was given, RFC 6455 7.1.5); readyState goes CLOSING, then
 *   CLOSED. Messages sent before the close are delivered before it.
 * - `send` on an end that is not OPEN throws an Error naming the ready state.
 * - Close codes are validated with a TypeError: the first end (the caller's side) follows
 *   browser rules (1000 or 3000-4999); the second end (the server side, handed to the actor
 *   router) may also send the RFC 6455 server codes 1001-1003 and 1007-1014.
 *
 * @example
 * const [client, server] = createSocketPair({ protocol: "actor.v1" });
 * server.addEventListener("message", (e) => server.send(e.data)); // echo
 */
export function createSocketPair(
  options: SocketPairOptions = {},
): [UniversalWebSocket, UniversalWebSocket] {
  const pair: PairState = { closeInfo: undefined };
  const protocol = options.protocol ?? "";
  const client = new PairSocket(pair, protocol, "client");
  const server = new PairSocket(pair, protocol, "server");
  client.peer = server;
  server.peer = client;
  return [client, server];
}

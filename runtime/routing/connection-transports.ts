/**
 * ConnectionTransport implementations for the two live transports: WebSocket (frames) and SSE
 * (a streamed `text/event-stream` body). A stateless action's connection has no channel; the
 * runtime gives it its own no-op transport.
 * docs/protocol.md, "Messages" (framing).
 */
import type { ConnectionTransport } from "../actor/host-interface.ts";
import { encodeToClient, toSseData } from "../protocol/message-codec.ts";
import type { Encoding, ToClientMessage } from "../protocol/messages.ts";
import { type UniversalWebSocket, WS_OPEN } from "./universal-websocket.ts";

/** A close reason cut to the 123 UTF-8 bytes a close frame can carry, on a character boundary. */
export function fitCloseReason(reason: string): string {
  const encoder = new TextEncoder();
  if (encoder.encode(reason).byteLength <= 123) return reason;
  let out = "";
  for (const ch of reason) {
    if (encoder.encode(out + ch).byteLength > 123) break;
    out += ch;
  }
  return out;
}

/**
 * A connection over a WebSocket: json messages are text frames, cbor messages binary frames.
 * Messages sent after the socket stopped being OPEN are dropped (the connection is ending).
 */
export class WebSocketTransport implements ConnectionTransport {
  readonly kind = "websocket";
  readonly encoding: Encoding;
  readonly #socket: UniversalWebSocket;

  constructor(socket: UniversalWebSocket, encoding: Encoding) {
    this.#socket = socket;
    this.encoding = encoding;
  }

  /** Throws `serialization_error` when the message cannot be encoded. */
  send(message: ToClientMessage): void {
    this.sendEncoded(encodeToClient(message, this.encoding));
  }

  /** Sends a frame already encoded in `encoding` (a broadcast encodes once per encoding). */
  sendEncoded(frame: string | Uint8Array): void {
    if (this.#socket.readyState !== WS_OPEN) return;
    this.#socket.send(frame);
  }

  /** A `heartbeat` message (docs/protocol.md, "Heartbeats"). */
  heartbeat(): void {
    this.send({ type: "heartbeat" });
  }

  /** Closes the socket with 1000 and `reason` (cut to 123 bytes). Idempotent. */
  close(reason?: string): void {
    if (this.#socket.readyState !== WS_OPEN) return;
    this.#socket.close(1000, fitCloseReason(reason ?? ""));
  }
}

/**
 * A connection over Server-Sent Events: each message is one event `data: <payload>` (JSON text,
 * or base64 of the CBOR bytes). `stream` is the response body; messages sent before the body is
 * read are buffered in order. The stream ends when the server closes the transport; when the
 * client cancels it, `onEnd` runs (once, whichever side ended it).
 */
export class SseTransport implements ConnectionTransport {
  readonly kind = "sse";
  readonly encoding: Encoding;
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #ended = false;
  readonly #onEnd: () => void;
  readonly #encoder = new TextEncoder();

  constructor(encoding: Encoding, onEnd: () => void) {
    this.encoding = encoding;
    this.#onEnd = onEnd;
    this.stream = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      cancel: () => this.#finish(false),
    });
  }

  /** True once either side ended the stream. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Throws `serialization_error` when the message cannot be encoded. */
  send(message: ToClientMessage): void {
    this.sendEncoded(encodeToClient(message, this.encoding));
  }

  /** Sends a frame already encoded in `encoding` (a broadcast encodes once per encoding). */
  sendEncoded(frame: string | Uint8Array): void {
    if (this.#ended) return;
    this.#controller.enqueue(this.#encoder.encode(`data: ${toSseData(frame)}\n\n`));
  }

  /**
   * A comment line (`: heartbeat`): keeps proxies and drivers from ending an idle stream and
   * tells the client the path is alive; EventSource parsers ignore it (docs/protocol.md).
   */
  heartbeat(): void {
    if (this.#ended) return;
    this.#controller.enqueue(this.#encoder.encode(": heartbeat\n\n"));
  }

  /** Ends the event stream (the client sees the response end). Idempotent. */
  close(): void {
    this.#finish(true);
  }

  #finish(closeStream: boolean): void {
    if (this.#ended) return;
    this.#ended = true;
    if (closeStream) {
      try {
        this.#controller.close();
      } catch {
        // Already errored or cancelled by the reader: nothing left to close.
      }
    }
    this.#onEnd();
  }
}

/**
 * ConnectionTransport implementations for the two live transports: WebSocket (frames) and SSE
 * (a streamed `text/event-stream` body). A stateless action's connection has no channel; the
 * runtime gives it its own no-op transport.
 * docs/protocol.md, "Messages" (framing).
 */
import type { ConnectionTransport } from "../actor/host-interface.ts";
import { MAX_SEND_BUFFER_BYTES } from "../protocol/limits.ts";
import { encodeToClient, toSseData } from "../protocol/message-codec.ts";
import type { Encoding, ToClientMessage } from "../protocol/messages.ts";
import { type UniversalWebSocket, WS_OPEN } from "./universal-websocket.ts";

/** WebSocket close code of a connection closed for a slow reader (RFC 6455 "Try Again Later"). */
export const SEND_BUFFER_CLOSE_CODE = 1013;

/**
 * How long an SSE stream closed for a slow reader keeps its queued bytes for the client to read
 * before they are dropped and the response aborted, in ms (ws gives a WebSocket close 30 s).
 */
export const SEND_BUFFER_GRACE_MS = 30_000;

/** The last message a connection closed for a slow reader is sent. */
function sendBufferExceeded(buffered: number): ToClientMessage {
  return {
    type: "error",
    code: "send_buffer_exceeded",
    message: `the client is not reading: ${buffered} bytes wait to be sent; the limit is ${MAX_SEND_BUFFER_BYTES} bytes`,
    metadata: { buffered, limit: MAX_SEND_BUFFER_BYTES },
  };
}

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
 * When the socket's `bufferedAmount` passes MAX_SEND_BUFFER_BYTES after a send, the client is
 * sent one `send_buffer_exceeded` error and the socket is closed with 1013 and that code as the
 * reason; later messages are dropped, so a client that never reads holds at most the limit.
 */
export class WebSocketTransport implements ConnectionTransport {
  readonly kind = "websocket";
  readonly encoding: Encoding;
  readonly #socket: UniversalWebSocket;
  #overflowed = false;

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
    if (this.#overflowed || this.#socket.readyState !== WS_OPEN) return;
    this.#socket.send(frame);
    const buffered = this.#socket.bufferedAmount ?? 0;
    if (buffered > MAX_SEND_BUFFER_BYTES) {
      this.#overflowed = true;
      this.#socket.send(encodeToClient(sendBufferExceeded(buffered), this.encoding));
      this.#socket.close(SEND_BUFFER_CLOSE_CODE, "send_buffer_exceeded");
    }
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
 * read are queued in order. The stream ends when the server closes the transport; when the
 * client cancels it, `onEnd` runs (once, whichever side ended it). When the queue passes
 * MAX_SEND_BUFFER_BYTES (the client is not reading), one `send_buffer_exceeded` error is queued,
 * the stream ends, and if the client has still not read it after SEND_BUFFER_GRACE_MS the
 * queue is dropped and the response aborted.
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
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        cancel: () => this.#finish(false),
      },
      // desiredSize is then minus the bytes waiting to be read.
      new ByteLengthQueuingStrategy({ highWaterMark: 0 }),
    );
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
    const buffered = -(this.#controller.desiredSize ?? 0);
    if (buffered > MAX_SEND_BUFFER_BYTES) {
      const last = toSseData(encodeToClient(sendBufferExceeded(buffered), this.encoding));
      this.#controller.enqueue(this.#encoder.encode(`data: ${last}\n\n`));
      this.#finish(true);
      const controller = this.#controller;
      const drop = setTimeout(() => {
        // Still unread: drop the queue and abort the response rather than keep it.
        if ((controller.desiredSize ?? 0) < 0) controller.error(new Error("send_buffer_exceeded"));
      }, SEND_BUFFER_GRACE_MS);
      drop.unref?.();
    }
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

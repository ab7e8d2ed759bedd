/**
 * One transport attempt of a connection: a WebSocket or an SSE stream plus connection-message
 * POSTs, behind one small interface that sends to-server messages and reports decoded to-client
 * messages and the end of the transport (docs/protocol.md, "Messages").
 */
import { utf8ByteLength } from "../protocol/base64.ts";
import { MAX_MESSAGE_BYTES } from "../protocol/limits.ts";
import { decodeToClient, encodeToServer, fromSseData } from "../protocol/message-codec.ts";
import type { Encoding, ToClientMessage, ToServerMessage } from "../protocol/messages.ts";
import type { ActorQuery } from "../protocol/query.ts";
import type { UniversalCloseEvent, UniversalMessageEvent } from "../routing/universal-websocket.ts";
import { WS_CLOSED, WS_OPEN } from "../routing/universal-websocket.ts";
import type { ClientDriver } from "./client-driver.ts";
import { ClientActorError, clientError, runtimeError, toClientError } from "./errors.ts";

/** How long `close()` waits for a WebSocket's close handshake before giving up, in ms. */
const CLOSE_WAIT_MS = 2000;

/** How a transport ended. */
export interface LinkClosed {
  /** The WebSocket close code; 1006 (abnormal) for an SSE stream that ended. */
  code: number;
  reason: string;
  /** A decoded cause, when the transport carried one (an SSE failure, a network error). */
  error?: ClientActorError;
}

/** What a link reports to its connection. */
export interface LinkEvents {
  message(message: ToClientMessage): void;
  /** A frame or event that does not decode; the link stays open. */
  malformed(error: ClientActorError): void;
  /** The transport ended (not called after the connection itself called `close()`). */
  closed(info: LinkClosed): void;
  /** Something arrived (a frame, a chunk of the stream, a heartbeat): the path is alive. */
  activity(): void;
}

/** An open transport of one connection attempt. */
export interface ConnectionLink {
  /**
   * Sends one message. Over WebSocket the frame is written at once and failures throw here
   * (`serialization_error`, `message_too_large`, `connection_closed`); over SSE it resolves
   * when the POST is answered and rejects with the server's error when it is refused.
   */
  send(message: ToServerMessage): Promise<void> | undefined;
  /** Ends the transport; resolves once it has ended (bounded by a short wait). Idempotent. */
  close(): Promise<void>;
}

/** What opening a link needs. */
export interface LinkOptions {
  driver: ClientDriver;
  query: ActorQuery;
  encoding: Encoding;
  params: unknown;
  events: LinkEvents;
  /** Aborted when the attempt is abandoned (timeout, dispose) before the transport opened. */
  signal: AbortSignal;
}

/**
 * Decodes one to-client payload (an SSE event's data when `sse`), mapping every decode failure
 * to `malformed_response`.
 */
function decode(
  data: string | Uint8Array | ArrayBuffer,
  encoding: Encoding,
  sse = false,
): ToClientMessage {
  try {
    return decodeToClient(sse ? fromSseData(data as string, encoding) : data, encoding);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw clientError(
      "malformed_response",
      `a ${encoding} connection message is malformed: ${why}`,
      error,
    );
  }
}

/**
 * Encodes a to-server message, refusing one over the protocol's limit the way the server would
 * (`message_too_large` with `{ size, limit }` metadata) without sending it, so the connection
 * stays open; throws `serialization_error` for a value the encoding cannot carry.
 */
function encodeFrame(message: ToServerMessage, encoding: Encoding): string | Uint8Array {
  const frame = encodeToServer(message, encoding);
  const size = typeof frame === "string" ? utf8ByteLength(frame) : frame.byteLength;
  if (size > MAX_MESSAGE_BYTES) {
    throw new ClientActorError(
      "message_too_large",
      `the ${message.type} message is ${size} bytes; the limit is ${MAX_MESSAGE_BYTES} bytes`,
      { size, limit: MAX_MESSAGE_BYTES },
    );
  }
  return frame;
}

/**
 * The error a transport ending before `init` stands for: its own cause when it has one; for a
 * close code 4000 + status whose reason is an error code (docs/protocol.md, "Errors"), that
 * code; otherwise `connection_closed` naming the close code and reason.
 */
export function errorFromClose(info: LinkClosed): ClientActorError {
  if (info.error) return info.error;
  if (info.code >= 4000 && info.code <= 4999 && /^[a-z0-9_]+$/.test(info.reason)) {
    return new ClientActorError(info.reason, `connection refused: ${info.reason}`);
  }
  const reason = info.reason ? `: ${info.reason}` : "";
  return runtimeError(
    "connection_closed",
    `the connection closed before init (code ${info.code}${reason})`,
  );
}

/** Opens a connection over WebSocket; resolves once the socket is open. */
export async function openWebSocketLink(options: LinkOptions): Promise<ConnectionLink> {
  const { driver, query, encoding, params, events, signal } = options;
  const socket = await driver.connectWebSocket(query, { encoding, params, signal });
  let closedByUs = false;
  const closed = new Promise<void>((resolve) => {
    socket.addEventListener("close", (event: UniversalCloseEvent) => {
      resolve();
      if (!closedByUs) events.closed({ code: event.code, reason: event.reason });
    });
  });
  socket.addEventListener("message", (event: UniversalMessageEvent) => {
    if (closedByUs) return;
    events.activity();
    let message: ToClientMessage;
    try {
      message = decode(event.data, encoding);
    } catch (error) {
      events.malformed(toClientError(error));
      return;
    }
    events.message(message);
  });
  return {
    send(message) {
      const frame = encodeFrame(message, encoding);
      if (socket.readyState !== WS_OPEN) {
        throw runtimeError("connection_closed", "the connection's WebSocket is no longer open");
      }
      socket.send(frame);
      return undefined;
    },
    async close() {
      if (!closedByUs) {
        closedByUs = true;
        if (socket.readyState !== WS_CLOSED) socket.close(1000, "client closed the connection");
      }
      if (socket.readyState === WS_CLOSED) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        closed,
        new Promise<void>((r) => (timer = setTimeout(r, CLOSE_WAIT_MS))),
      ]);
      clearTimeout(timer);
    },
  };
}

/**
 * Opens a connection over SSE; resolves once the event stream is open. Messages to the server
 * are POSTed with the id and token from `init`. Subscription changes are ordered: each waits for
 * the previous one, and every action waits for the subscription changes sent before it, so
 * "subscribe, then call an action that broadcasts" sees the event; actions do not wait for each
 * other, so a slow action does not block the next.
 */
export async function openSseLink(options: LinkOptions): Promise<ConnectionLink> {
  const { driver, query, encoding, params, events, signal } = options;
  let ids: { actorId: string; connectionId: string; token: string } | undefined;
  let closedByUs = false;
  let subscriptions: Promise<unknown> = Promise.resolve();
  const stream = await driver.connectSse(
    query,
    { encoding, params, signal },
    {
      onMessage(data) {
        if (closedByUs) return;
        let message: ToClientMessage;
        try {
          message = decode(data, encoding, true);
        } catch (error) {
          events.malformed(toClientError(error));
          return;
        }
        if (message.type === "init") {
          ids = {
            actorId: message.actorId,
            connectionId: message.connectionId,
            token: message.connectionToken,
          };
        }
        events.message(message);
      },
      onClose(error) {
        if (closedByUs) return;
        events.closed({ code: 1006, reason: error?.message ?? "event stream ended", error });
      },
      onActivity() {
        if (!closedByUs) events.activity();
      },
    },
  );
  const post = (message: ToServerMessage): Promise<void> => {
    if (!ids) {
      return Promise.reject(clientError("malformed_response", "cannot send over SSE before init"));
    }
    const { actorId, connectionId, token } = ids;
    return driver.sendConnectionMessage(actorId, connectionId, token, message, { encoding });
  };
  return {
    send(message) {
      // Encode first so a serialization or size error rejects this send, not a later one.
      try {
        encodeFrame(message, encoding);
      } catch (error) {
        return Promise.reject(error);
      }
      if (message.type === "action") return subscriptions.then(() => post(message));
      const sent = subscriptions.then(() => post(message));
      subscriptions = sent.catch(() => undefined);
      return sent;
    },
    async close() {
      closedByUs = true;
      stream.close();
    },
  };
}

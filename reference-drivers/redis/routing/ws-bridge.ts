/**
 * Joins a UniversalWebSocket and a `ws` socket to another node, both ways, frame for frame:
 * text stays text, binary stays binary and byte-exact, order is kept (each side sends in the
 * order it received, synchronously), the last frame before a close goes out before the close,
 * and close codes and reasons cross unchanged (DIST-4, ROUTE-3, ROUTE-5, RAWWS-4).
 */
import type { WebSocket as NodeWebSocket, RawData } from "ws";
import type { UniversalWebSocket } from "../../../runtime/driver/index.ts";

/** Close code a socket gets when the node across the bridge went away without a close frame. */
export const PEER_LOST_CODE = 1011;
export const PEER_LOST_REASON = "the actor's node went away";

type Held =
  | { kind: "message"; data: string | ArrayBuffer }
  | { kind: "close"; code: number; reason: string };

/** Frames and the close a UniversalWebSocket produced before the other side was attached. */
export interface HeldSocket {
  readonly socket: UniversalWebSocket;
  /** Delivers what was held to `peer` and from then on relays straight through, both ways. */
  attach(peer: FramePeer): void;
  /** Closes the held socket (the other side could not be reached). */
  fail(code: number, reason: string): void;
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === "string") return Buffer.from(data);
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function sendTo(peer: NodeWebSocket, data: string | ArrayBuffer): void {
  if (peer.readyState !== peer.OPEN) return;
  if (typeof data === "string") peer.send(data);
  else peer.send(toBuffer(data), { binary: true });
}

function closeNode(peer: NodeWebSocket, code: number, reason: string): void {
  if (peer.readyState === peer.CLOSED || peer.readyState === peer.CLOSING) return;
  // 1005 means "no code was sent" and 1006 "no close frame": neither can be sent.
  if (code === 1005) peer.close();
  else if (code === 1006) peer.terminate();
  else {
    try {
      peer.close(code, reason);
    } catch {
      peer.close();
    }
  }
}

function closeUniversal(socket: UniversalWebSocket, code: number, reason: string): void {
  if (socket.readyState >= 2) return;
  if (code === 1005) {
    socket.close();
    return;
  }
  const sent = code === 1006 ? PEER_LOST_CODE : code;
  try {
    socket.close(sent, code === 1006 ? PEER_LOST_REASON : reason);
  } catch {
    // The socket's rules refuse this code on its side (for example 1001 on a client end).
    socket.close(1000, reason);
  }
}

function rawToArrayBuffer(data: RawData): ArrayBuffer {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  return buffer.buffer.slice(
    buffer.byteOffset,
    buffer.byteOffset + buffer.byteLength,
  ) as ArrayBuffer;
}

/** One side of a bridge: how to send to it, close it, and hear from it. */
export interface FramePeer {
  send(data: string | ArrayBuffer): void;
  close(code: number, reason: string): void;
  listen(
    onMessage: (data: string | ArrayBuffer) => void,
    onClose: (code: number, reason: string) => void,
  ): void;
}

/**
 * A `ws` socket to another node as a bridge side. Call it as soon as the socket exists: frames
 * and the close that arrive before `listen` (a first frame can come in the same packet as the
 * handshake answer) are kept and delivered to `listen` first, in order.
 */
export function nodePeer(node: NodeWebSocket): FramePeer {
  type Early = { data: string | ArrayBuffer } | { code: number; reason: string };
  const early: Early[] = [];
  let onMessage = (data: string | ArrayBuffer) => {
    early.push({ data });
  };
  let onClose = (code: number, reason: string) => {
    early.push({ code, reason });
  };
  node.on("message", (data: RawData, isBinary: boolean) => {
    onMessage(isBinary ? rawToArrayBuffer(data) : data.toString());
  });
  node.on("close", (code: number, reason: Buffer) => onClose(code, reason.toString()));
  node.on("error", () => {
    // A reset connection ends in "close" with 1006, handled by onClose.
  });
  return {
    send: (data) => sendTo(node, data),
    close: (code, reason) => closeNode(node, code, reason),
    listen(message, close) {
      onMessage = message;
      onClose = close;
      for (const item of early.splice(0)) {
        if ("data" in item) message(item.data);
        else close(item.code, item.reason);
      }
    },
  };
}

/** An in-process UniversalWebSocket as a bridge side. */
export function universalPeer(socket: UniversalWebSocket): FramePeer {
  return {
    send: (data) => {
      if (socket.readyState === 1) socket.send(data);
    },
    close: (code, reason) => closeUniversal(socket, code, reason),
    listen(onMessage, onClose) {
      socket.addEventListener("message", (event) => onMessage(event.data));
      socket.addEventListener("close", (event) => onClose(event.code, event.reason));
    },
  };
}

/**
 * Starts holding `socket`'s frames at once (nothing it receives is lost while the other node is
 * being reached), for `attach` to relay later.
 */
export function holdSocket(socket: UniversalWebSocket): HeldSocket {
  const held: Held[] = [];
  let peer: FramePeer | undefined;
  socket.addEventListener("message", (event) => {
    if (peer) peer.send(event.data);
    else held.push({ kind: "message", data: event.data });
  });
  socket.addEventListener("close", (event) => {
    if (peer) peer.close(event.code, event.reason);
    else held.push({ kind: "close", code: event.code, reason: event.reason });
  });
  return {
    socket,
    attach(other) {
      other.listen(
        (data) => {
          if (socket.readyState === 1) socket.send(data);
        },
        (code, reason) => closeUniversal(socket, code, reason),
      );
      peer = other;
      for (const item of held.splice(0)) {
        if (item.kind === "message") other.send(item.data);
        else other.close(item.code, item.reason);
      }
    },
    fail(code, reason) {
      closeUniversal(socket, code, reason);
    },
  };
}

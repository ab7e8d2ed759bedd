/**
 * Connection-message mutations: frames of a `/connect/websocket` bridge decoded with the
 * protocol codec so a mutant can act on `event`, `init`, `subscribe`... messages, in either
 * encoding, and re-encoded the way the actor router frames them (docs/protocol.md, "Messages").
 */
import {
  decodeToClient,
  decodeToServer,
  encodeToClient,
} from "../../../runtime/protocol/message-codec.ts";
import type {
  Encoding,
  ToClientMessage,
  ToServerMessage,
} from "../../../runtime/protocol/messages.ts";
import type { BridgeFilter, BridgeInfo, Frame } from "./bridge.ts";

/** The frame of `message` in `encoding`: JSON text, or CBOR bytes in a binary frame. */
export function clientFrame(message: ToClientMessage, encoding: Encoding): Frame {
  const encoded = encodeToClient(message, encoding);
  return typeof encoded === "string" ? encoded : (encoded.slice().buffer as ArrayBuffer);
}

/** The to-client message in `data`, or undefined when it is not one. */
export function readClientFrame(data: Frame, encoding: Encoding): ToClientMessage | undefined {
  try {
    return decodeToClient(data, encoding);
  } catch {
    return undefined;
  }
}

/** The to-server message in `data`, or undefined when it is not one. */
export function readServerFrame(data: Frame, encoding: Encoding): ToServerMessage | undefined {
  try {
    return decodeToServer(data, encoding);
  } catch {
    return undefined;
  }
}

/** What a connection-message mutation sees of each frame. */
export interface MessageFilter {
  /** A decoded to-client message and its frame: the frames to deliver instead. */
  toClient?(message: ToClientMessage, data: Frame): Frame[];
  /** A decoded to-server message and its frame: the frames to deliver instead. */
  toActor?(message: ToServerMessage, data: Frame): Frame[];
}

/**
 * A bridge filter factory acting on connection messages only: raw sockets, and frames that do
 * not decode, pass through untouched.
 */
export function onMessages(
  make: (info: BridgeInfo & { encoding: Encoding }) => MessageFilter,
): (info: BridgeInfo) => BridgeFilter {
  return (info) => {
    const encoding = info.encoding;
    if (encoding === undefined) return {};
    const filter = make({ ...info, encoding });
    return {
      toClient(data) {
        const message = filter.toClient ? readClientFrame(data, encoding) : undefined;
        return message ? filter.toClient!(message, data) : [data];
      },
      toActor(data) {
        const message = filter.toActor ? readServerFrame(data, encoding) : undefined;
        return message ? filter.toActor!(message, data) : [data];
      },
    };
  };
}

/**
 * Socket-level mutations: the sockets crossing `openWebSocket` and `proxyWebSocket` wrapped in a
 * filter that may rewrite, drop, add or delay frames in either direction and rewrite or swallow
 * closes, as a faulty bridge between client and actor would.
 */

import type {
  ManagerDriver,
  UniversalWebSocket,
  UniversalWebSocketEventMap,
  WebSocketData,
} from "../../../runtime/driver/index.ts";
import type { Encoding } from "../../../runtime/protocol/messages.ts";
import { SocketEvents } from "../../../runtime/routing/socket-events.ts";

/** A frame as it crosses the bridge: text, or the bytes of a binary frame. */
export type Frame = string | ArrayBuffer;

/** A close as it crosses the bridge; `null` from a filter swallows it. */
export type Close = [code: number | undefined, reason: string | undefined];

/** What a filter may change; every member is optional (absent: pass through). */
export interface BridgeFilter {
  /** Frames from the client to the actor: the frames to deliver instead (none drops it). */
  toActor?(data: Frame): Frame[];
  /** Frames from the actor to the client. */
  toClient?(data: Frame): Frame[];
  /** A close the actor side starts, as the client gets it. */
  actorClose?(code: number | undefined, reason: string | undefined): Close | null;
  /** A close the client side starts (or observes), as the actor gets it. */
  clientClose?(code: number | undefined, reason: string | undefined): Close | null;
}

/** What a filter factory learns about one bridged socket. */
export interface BridgeInfo {
  actorId: string;
  request: Request;
  /** The actor-router path, e.g. `/connect/websocket` or `/raw/websocket/x`. */
  pathname: string;
  /** The message encoding of a `/connect/websocket` connection; undefined for raw sockets. */
  encoding: Encoding | undefined;
  /** `proxy`: the client's socket given to proxyWebSocket; `open`: the socket openWebSocket returns. */
  side: "proxy" | "open";
  /** Delivers a frame to the client directly, bypassing `toClient`. */
  deliverToClient(data: Frame): void;
  /** Delivers a frame to the actor directly, bypassing `toActor`. */
  deliverToActor(data: Frame): void;
}

function plainFrame(data: WebSocketData): Frame {
  if (typeof data === "string" || data instanceof ArrayBuffer) return data;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer;
}

interface Directions {
  out?(data: Frame): Frame[];
  in?(data: Frame): Frame[];
  closeOut?(code: number | undefined, reason: string | undefined): Close | null;
  closeIn?(code: number | undefined, reason: string | undefined): Close | null;
}

/** A UniversalWebSocket over `inner` whose traffic passes through `directions`. */
class FilteredSocket implements UniversalWebSocket {
  readonly #inner: UniversalWebSocket;
  readonly #directions: Directions;
  readonly #events = new SocketEvents();

  constructor(inner: UniversalWebSocket, directions: Directions) {
    this.#inner = inner;
    this.#directions = directions;
    inner.addEventListener("open", (event) => this.#events.dispatch("open", event));
    inner.addEventListener("error", (event) => this.#events.dispatch("error", event));
    inner.addEventListener("message", (event) => {
      const frames = directions.in ? directions.in(event.data) : [event.data];
      for (const data of frames) this.deliver(data);
    });
    inner.addEventListener("close", (event) => {
      const close = directions.closeIn
        ? directions.closeIn(event.code, event.reason)
        : ([event.code, event.reason] as Close);
      if (close === null) return;
      this.#events.dispatch("close", {
        type: "close",
        code: close[0] ?? 1005,
        reason: close[1] ?? "",
        wasClean: event.wasClean,
      });
    });
  }

  /** Hands `data` to this socket's own listeners, as if it had arrived. */
  deliver(data: Frame): void {
    this.#events.dispatch("message", { type: "message", data });
  }

  get readyState() {
    return this.#inner.readyState;
  }
  get protocol() {
    return this.#inner.protocol;
  }
  get binaryType() {
    return this.#inner.binaryType;
  }
  set binaryType(value: string) {
    this.#inner.binaryType = value;
  }

  send(data: WebSocketData): void {
    const frames = this.#directions.out ? this.#directions.out(plainFrame(data)) : [data];
    for (const frame of frames) this.#inner.send(frame);
  }

  close(code?: number, reason?: string): void {
    const close = this.#directions.closeOut
      ? this.#directions.closeOut(code, reason)
      : ([code, reason] as Close);
    if (close !== null) this.#inner.close(close[0], close[1]);
  }

  addEventListener<K extends keyof UniversalWebSocketEventMap>(
    type: K,
    listener: (event: UniversalWebSocketEventMap[K]) => void,
  ): void {
    this.#events.add(type, listener);
  }

  removeEventListener<K extends keyof UniversalWebSocketEventMap>(
    type: K,
    listener: (event: UniversalWebSocketEventMap[K]) => void,
  ): void {
    this.#events.remove(type, listener);
  }
}

function connectionEncoding(request: Request, pathname: string): Encoding | undefined {
  if (pathname !== "/connect/websocket") return undefined;
  const value = request.headers.get("x-actor-encoding");
  return value === "json" || value === "cbor" ? value : undefined;
}

/**
 * Wraps `manager` so every socket crossing openWebSocket and proxyWebSocket (or only the `sides`
 * given) goes through the filter `makeFilter` builds for it.
 */
export function filterBridges(
  manager: ManagerDriver,
  makeFilter: (info: BridgeInfo) => BridgeFilter,
  sides: readonly ("proxy" | "open")[] = ["proxy", "open"],
): ManagerDriver {
  const describe = (actorId: string, request: Request, side: "proxy" | "open") => {
    const { pathname } = new URL(request.url);
    return { actorId, request, pathname, encoding: connectionEncoding(request, pathname), side };
  };
  return {
    ...manager,
    async openWebSocket(actorId, request) {
      const inner = await manager.openWebSocket(actorId, request);
      if (!sides.includes("open")) return inner;
      let socket: FilteredSocket | undefined;
      const filter = makeFilter({
        ...describe(actorId, request, "open"),
        deliverToClient: (data) => socket?.deliver(data),
        deliverToActor: (data) => inner.send(data),
      });
      socket = new FilteredSocket(inner, {
        out: filter.toActor?.bind(filter),
        in: filter.toClient?.bind(filter),
        closeOut: filter.clientClose?.bind(filter),
        closeIn: filter.actorClose?.bind(filter),
      });
      return socket;
    },
    proxyWebSocket(actorId, request, client) {
      if (!sides.includes("proxy")) return manager.proxyWebSocket(actorId, request, client);
      let socket: FilteredSocket | undefined;
      const filter = makeFilter({
        ...describe(actorId, request, "proxy"),
        deliverToClient: (data) => client.send(data),
        deliverToActor: (data) => socket?.deliver(data),
      });
      socket = new FilteredSocket(client, {
        out: filter.toClient?.bind(filter),
        in: filter.toActor?.bind(filter),
        closeOut: filter.actorClose?.bind(filter),
        closeIn: filter.clientClose?.bind(filter),
      });
      return manager.proxyWebSocket(actorId, request, socket);
    },
  };
}

/**
 * A frame transform that swaps neighbours: a frame is held until the next one passes, which
 * goes first; a frame left alone is flushed through `deliver` after `ms` (default 20) ms, so a
 * lone frame still arrives. `matches` picks the frames that take part (default all).
 */
export function swapPairs(
  deliver: (data: Frame) => void,
  matches: (data: Frame) => boolean = () => true,
  ms = 20,
): (data: Frame) => Frame[] {
  let held: Frame | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (data) => {
    if (!matches(data)) return [data];
    if (held === undefined) {
      held = data;
      timer = setTimeout(() => {
        const late = held;
        held = undefined;
        if (late !== undefined) deliver(late);
      }, ms);
      return [];
    }
    clearTimeout(timer);
    const first = held;
    held = undefined;
    return [data, first];
  };
}

/**
 * A small, independent speaker of the public wire protocol (docs/protocol.md) for the suites
 * that check the manager router byte by byte: plain fetch, `ws` and a hand-read SSE stream,
 * with no code shared with the runtime or the clients under test.
 */

import { Encoder } from "cbor-x";
import { EventSourceParserStream } from "eventsource-parser/stream";
import WebSocket from "ws";

/** `json` or `cbor`, as the wire names them. */
export type WireEncoding = "json" | "cbor";

// Plain objects as CBOR maps, byte strings as plain bytes: what protocol.md's CBOR is.
const cbor = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });

/** Encodes a value for a frame or body: JSON text, or CBOR bytes. */
export function encodeWire(
  value: unknown,
  encoding: WireEncoding,
): string | Uint8Array<ArrayBuffer> {
  return encoding === "json" ? JSON.stringify(value) : new Uint8Array(cbor.encode(value));
}

/** Decodes a frame or body of `encoding`; text given for cbor is decoded as its UTF-8 bytes. */
export function decodeWire(data: string | Uint8Array | ArrayBuffer, encoding: WireEncoding): any {
  if (encoding === "json") {
    return JSON.parse(typeof data === "string" ? data : new TextDecoder().decode(data));
  }
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : new Uint8Array(data);
  return cbor.decode(bytes);
}

/** Unpadded base64url of the UTF-8 of `text` (RFC 4648 section 5). */
export function base64Url(text: string): string {
  return Buffer.from(text, "utf8").toString("base64url");
}

/** The `ws://` form of an `http://` endpoint. */
export function wsEndpoint(endpoint: string): string {
  return endpoint.replace(/^http/, "ws");
}

/** An actor query (docs/protocol.md, "Actor queries"). */
export type WireQuery =
  | { getForId: { actorId: string } }
  | { getForKey: { name: string; key: string[] } }
  | { getOrCreateForKey: { name: string; key: string[]; input?: unknown; region?: string } }
  | { create: { name: string; key: string[]; input?: unknown; region?: string } };

/** `getOrCreateForKey` of `name` and `key`. */
export function getOrCreate(name: string, key: string[]): WireQuery {
  return { getOrCreateForKey: { name, key } };
}

/** The subprotocol list of a connection or raw WebSocket (docs/protocol.md). */
export function subprotocols(options: {
  encoding?: string;
  query?: WireQuery | string;
  params?: unknown;
  extra?: string[];
}): string[] {
  const out = ["actor.v1"];
  if (options.encoding !== undefined) out.push(`actor.encoding.${options.encoding}`);
  if (options.query !== undefined) {
    const json = typeof options.query === "string" ? options.query : JSON.stringify(options.query);
    out.push(`actor.query.${base64Url(json)}`);
  }
  if (options.params !== undefined)
    out.push(`actor.params.${base64Url(JSON.stringify(options.params))}`);
  out.push(...(options.extra ?? []));
  return out;
}

/** A decoded error response: status, content type and the `{ code, message, metadata }` body. */
export interface WireError {
  status: number;
  contentType: string;
  code: unknown;
  message: unknown;
  metadata: unknown;
}

/** Reads an error response, decoding its body as CBOR or JSON by its content type. */
export async function readWireError(response: Response): Promise<WireError> {
  const contentType = response.headers.get("content-type") ?? "";
  const bytes = new Uint8Array(await response.arrayBuffer());
  let body: any;
  try {
    body = contentType.includes("cbor") ? decodeWire(bytes, "cbor") : decodeWire(bytes, "json");
  } catch {
    body = {
      code: `<undecodable ${contentType} body: ${new TextDecoder().decode(bytes).slice(0, 200)}>`,
    };
  }
  return {
    status: response.status,
    contentType,
    code: body?.code,
    message: body?.message,
    metadata: body?.metadata,
  };
}

/** Options of {@link postAction}. */
export interface PostActionOptions {
  query: WireQuery | string | undefined;
  encoding: WireEncoding | string | undefined;
  name: string;
  /** The body: a value encoded in `encoding`, or raw bytes/text sent as they are. */
  body?: { args: unknown[] } | { raw: string | Uint8Array<ArrayBuffer> };
  params?: unknown;
  headers?: Record<string, string>;
}

/** `POST /actors/actions/:name` with the documented headers. */
export function postAction(endpoint: string, options: PostActionOptions): Promise<Response> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.query !== undefined) {
    headers["x-actor-query"] =
      typeof options.query === "string" ? options.query : JSON.stringify(options.query);
  }
  if (options.encoding !== undefined) headers["x-actor-encoding"] = options.encoding;
  if (options.params !== undefined) headers["x-actor-conn-params"] = JSON.stringify(options.params);
  const encoding: WireEncoding = options.encoding === "cbor" ? "cbor" : "json";
  headers["content-type"] = encoding === "cbor" ? "application/cbor" : "application/json";
  const body = options.body ?? { args: [] };
  const payload = "raw" in body ? body.raw : encodeWire(body, encoding);
  return fetch(`${endpoint}/actors/actions/${encodeURIComponent(options.name)}`, {
    method: "POST",
    headers,
    body: payload,
  });
}

/** A frame received on a socket: its kind and its data. */
export interface ReceivedFrame {
  binary: boolean;
  /** A string for text frames, the bytes for binary frames. */
  data: string | Uint8Array;
}

/** How a socket closed. */
export interface CloseInfo {
  code: number;
  reason: string;
}

/**
 * Items arriving in order (frames, events, SSE messages) that a test awaits with bounded waits.
 * `end()` marks that no more will come; waits then fail at once, naming why.
 */
export class Inbox<T> {
  readonly items: T[] = [];
  #read = 0;
  #wake: (() => void) | undefined;
  #ended: string | undefined;

  push(item: T): void {
    this.items.push(item);
    this.#wake?.();
  }

  /** No more items will arrive; `why` is quoted by waits that fail because of it. */
  end(why: string): void {
    this.#ended ??= why;
    this.#wake?.();
  }

  /** Items not yet taken by {@link next}. */
  get unread(): T[] {
    return this.items.slice(this.#read);
  }

  /** The next unread item; rejects after `ms` (default 5000) or once ended, naming `what`. */
  async next(what = "an item", ms = 5000): Promise<T> {
    await this.#until(() => this.#read < this.items.length, what, ms);
    return this.items[this.#read++]!;
  }

  /** Resolves once at least `count` items arrived (in all); bounded like {@link next}. */
  async waitCount(count: number, what = `${count} items`, ms = 5000): Promise<T[]> {
    await this.#until(() => this.items.length >= count, what, ms);
    return this.items;
  }

  async #until(ready: () => boolean, what: string, ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (ready()) return;
      if (this.#ended !== undefined) throw new Error(`${this.#ended} while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no ${what} within ${ms} ms (got ${this.items.length} in all)`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }
}

/**
 * Collects the frames and the close of a socket so a test can await them in order with a
 * bounded wait. Works on `ws` sockets and on the clients' UniversalWebSockets.
 */
export class SocketInbox extends Inbox<ReceivedFrame> {
  #closeInfo: CloseInfo | undefined;
  readonly closed: Promise<CloseInfo>;

  constructor(socket: { addEventListener(type: string, listener: (event: any) => void): void }) {
    super();
    let resolveClosed!: (info: CloseInfo) => void;
    this.closed = new Promise((resolve) => (resolveClosed = resolve));
    socket.addEventListener("message", (event: { data: unknown }) => {
      const data = event.data;
      this.push(
        typeof data === "string" ? { binary: false, data } : { binary: true, data: toBytes(data) },
      );
    });
    socket.addEventListener("close", (event: { code: number; reason: string | Buffer }) => {
      this.#closeInfo = { code: event.code, reason: String(event.reason) };
      resolveClosed(this.#closeInfo);
      this.end(`socket closed (${event.code} ${JSON.stringify(String(event.reason))})`);
    });
  }

  /** The close, once it happened. */
  get closeInfo(): CloseInfo | undefined {
    return this.#closeInfo;
  }

  /** The close, waited for at most `ms` (default 5000). */
  async waitClosed(what = "the close", ms = 5000): Promise<CloseInfo> {
    return withTimeout(this.closed, what, ms);
  }

  /** The next frame, which must be a text frame of JSON; returns the parsed value. */
  async nextJson(what = "a JSON text frame", ms = 5000): Promise<any> {
    const frame = await this.next(what, ms);
    if (frame.binary)
      throw new Error(`expected ${what}, got a binary frame of ${frame.data.length} bytes`);
    return JSON.parse(frame.data as string);
  }
}

/** `promise`, or a rejection naming `what` after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, what: string, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function toBytes(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data as Buffer[]));
  throw new TypeError(`unexpected binary frame type ${Object.prototype.toString.call(data)}`);
}

/** A `ws` socket with its inbox; `open` settles with the handshake. */
export interface WireSocket {
  socket: WebSocket;
  inbox: SocketInbox;
  /** Resolves on open; rejects with the HTTP status when the upgrade is refused. */
  open: Promise<void>;
}

/**
 * Opens a `ws` socket to `path` of the endpoint with these subprotocols and extra headers.
 * The caller closes it (register `socket.terminate()` with `t.defer`).
 */
export function openWireSocket(
  endpoint: string,
  path: string,
  protocols: string[],
  headers: Record<string, string> = {},
): WireSocket {
  const socket = new WebSocket(`${wsEndpoint(endpoint)}${path}`, protocols, { headers });
  socket.binaryType = "arraybuffer";
  const inbox = new SocketInbox(socket);
  const open = new Promise<void>((resolve, reject) => {
    socket.once("open", () => resolve());
    socket.once("unexpected-response", (_request, response) => {
      reject(new Error(`upgrade refused with HTTP ${response.statusCode}`));
      socket.terminate();
    });
    socket.once("error", (error) => reject(error));
  });
  // A late error after open must not become an unhandled rejection.
  open.catch(() => undefined);
  socket.on("error", () => undefined);
  return { socket, inbox, open };
}

/** Decodes a connection frame in `encoding` and checks its kind: JSON is text, CBOR binary. */
export function decodeFrame(frame: ReceivedFrame, encoding: WireEncoding): any {
  const expectBinary = encoding === "cbor";
  if (frame.binary !== expectBinary) {
    throw new Error(`a ${encoding} connection sent a ${frame.binary ? "binary" : "text"} frame`);
  }
  return decodeWire(frame.data, encoding);
}

/** An SSE stream read by hand: its response and the decoded messages in order. */
export interface WireSse {
  response: Response;
  /** The decoded messages, in order. */
  inbox: Inbox<any>;
  /** Resolves when the stream ended. */
  ended: Promise<void>;
  close(): void;
}

/**
 * Opens `GET /actors/connect/sse` with the documented headers. Rejects with the decoded error
 * when the status is not 200. CBOR events are base64 in `data:` (docs/protocol.md).
 */
export async function openWireSse(
  endpoint: string,
  options: {
    encoding: WireEncoding;
    query: WireQuery;
    params?: unknown;
    headers?: Record<string, string>;
  },
): Promise<WireSse> {
  const abort = new AbortController();
  const headers: Record<string, string> = {
    accept: "text/event-stream",
    "x-actor-query": JSON.stringify(options.query),
    "x-actor-encoding": options.encoding,
    ...options.headers,
  };
  if (options.params !== undefined) headers["x-actor-conn-params"] = JSON.stringify(options.params);
  const response = await fetch(`${endpoint}/actors/connect/sse`, { headers, signal: abort.signal });
  if (response.status !== 200 || !response.body) {
    const error = await readWireError(response);
    throw Object.assign(new Error(`SSE refused: ${error.status} ${String(error.code)}`), {
      wire: error,
    });
  }
  const inbox = new Inbox<any>();
  const reader = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream())
    .getReader();
  const ended = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const { data } = value;
        if (data === "") continue;
        inbox.push(
          options.encoding === "json"
            ? decodeWire(data, "json")
            : decodeWire(Buffer.from(data, "base64"), "cbor"),
        );
      }
    } catch {
      // Aborted or reset: the stream ended either way.
    } finally {
      inbox.end("the SSE stream ended");
    }
  })();
  return { response, inbox, ended, close: () => abort.abort() };
}

/** `POST /actors/connections/message` for an SSE connection, with a value or a raw body. */
export function postConnectionMessage(
  endpoint: string,
  options: {
    actorId: string;
    connectionId: string;
    token: string;
    encoding: WireEncoding;
    message: unknown;
    raw?: string | Uint8Array<ArrayBuffer>;
  },
): Promise<Response> {
  return fetch(`${endpoint}/actors/connections/message`, {
    method: "POST",
    headers: {
      "x-actor-id": options.actorId,
      "x-actor-conn-id": options.connectionId,
      "x-actor-conn-token": options.token,
      "x-actor-encoding": options.encoding,
      "content-type": options.encoding === "cbor" ? "application/cbor" : "application/json",
    },
    body: options.raw ?? encodeWire(options.message, options.encoding),
  });
}

/**
 * The cell's client, untyped: the harness client is typed for any registry, so fixture actions
 * would otherwise return `unknown`; the suites assert every value they read anyway.
 */
export function clientOf(t: { readonly client: unknown }): any {
  return t.client;
}

/** Collects every event `name` a client connection receives, as argument arrays. */
export function listen(
  conn: { on(name: string, listener: (...args: any[]) => void): unknown },
  name: string,
): Inbox<unknown[]> {
  const inbox = new Inbox<unknown[]>();
  conn.on(name, (...args: unknown[]) => inbox.push(args));
  return inbox;
}

/**
 * The workerd APIs the Worker side of this driver uses, typed here (the Worker bundle needs no
 * `@cloudflare/workers-types`): Durable Object state, SQLite-backed storage, stubs, and the
 * `WebSocketPair` global. Shapes follow the Cloudflare Workers runtime API reference.
 */

/** A row cursor of `storage.sql.exec`. */
export interface SqlCursor {
  toArray(): Record<string, unknown>[];
}

/** SQLite storage of one Durable Object; every call is synchronous and transactional per event. */
export interface SqlStorage {
  exec(query: string, ...bindings: unknown[]): SqlCursor;
}

/** The storage of one SQLite-backed Durable Object: its tables and its one alarm. */
export interface DurableObjectStorage {
  readonly sql: SqlStorage;
  /** The pending alarm time (ms since the epoch), or null. */
  getAlarm(): Promise<number | null>;
  /** Replaces the object's one alarm: `alarm()` runs at or after `scheduledTime` (ms). */
  setAlarm(scheduledTime: number): Promise<void>;
  deleteAlarm(): Promise<void>;
}

export interface DurableObjectId {
  toString(): string;
}

/** What a Durable Object class receives as `ctx`. */
export interface DurableObjectState {
  readonly id: DurableObjectId;
  readonly storage: DurableObjectStorage;
  /** Runs `fn` before any other event is delivered to the object. */
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
}

/** A client of one Durable Object; calling it instantiates the object. */
export interface DurableObjectStub {
  fetch(request: Request): Promise<Response>;
}

/** A Durable Object binding. `idFromString` throws for an id of another namespace or shape. */
export interface DurableObjectNamespace {
  idFromName(name: string): DurableObjectId;
  idFromString(id: string): DurableObjectId;
  get(id: DurableObjectId): DurableObjectStub;
}

/** The bindings the driver's Worker is started with (see ../runtime-pool.ts). */
export interface WorkerEnv {
  /** One SQLite-backed object per actor, named by namespace, actor name and key. */
  ACTORS: DurableObjectNamespace;
  /** One object per driver namespace: its actor ids and whether it is stopped. */
  NAMESPACES: DurableObjectNamespace;
}

/** A Durable Object as workerd calls it: requests, and (when it sets one) its alarm. */
export interface DurableObject {
  fetch(request: Request): Promise<Response>;
  alarm?(): Promise<void>;
}

/** A Durable Object class: workerd constructs one instance per object id. */
export type DurableObjectClass = new (ctx: DurableObjectState, env: WorkerEnv) => DurableObject;

/** A workerd WebSocket: the WHATWG shape plus `accept()` for the server end of a pair. */
export interface WorkerdWebSocket {
  readonly readyState: number;
  binaryType: string;
  accept(): void;
  send(data: string | ArrayBuffer | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: any) => void): void;
}

/** `new WebSocketPair()`: index 0 is the client end, 1 the server end. */
export function newWebSocketPair(): [WorkerdWebSocket, WorkerdWebSocket] {
  const Pair = (
    globalThis as unknown as { WebSocketPair: new () => Record<0 | 1, WorkerdWebSocket> }
  ).WebSocketPair;
  const pair = new Pair();
  return [pair[0], pair[1]];
}

/** A response that hands `webSocket` (the client end of a pair) to the caller (status 101). */
export function upgradeResponse(webSocket: WorkerdWebSocket, protocol: string): Response {
  const headers = protocol === "" ? undefined : { "sec-websocket-protocol": protocol };
  return new Response(null, { status: 101, webSocket, headers } as ResponseInit);
}

/** The WebSocket a 101 response carries (workerd's `Response.webSocket`), or null. */
export function responseWebSocket(response: Response): WorkerdWebSocket | null {
  return (response as unknown as { webSocket?: WorkerdWebSocket | null }).webSocket ?? null;
}

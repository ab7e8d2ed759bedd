/**
 * The ManagerDriver contract: where an actor lives and how requests reach it. Every hop is a
 * Web-standard Request/Response or a UniversalWebSocket; no framework type crosses it.
 * Clause ids refer to docs/CONTRACT.md.
 */
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";

/** An actor key: an ordered array of strings, compared as a whole array (clause KEY-1). */
export type ActorKey = readonly string[];

/** What the manager knows of one actor. */
export interface ActorOutput {
  actorId: string;
  /** The registry name of the actor's definition. */
  name: string;
  key: ActorKey;
  /** Where the actor was created, if the driver tracks regions. */
  region?: string;
}

export interface GetForIdInput {
  actorId: string;
}

export interface GetWithKeyInput {
  name: string;
  key: ActorKey;
}

export interface CreateActorInput {
  name: string;
  key: ActorKey;
  /** Passed to createState/onCreate on the actor's first start; any encodable value. */
  input?: unknown;
  region?: string;
}

/**
 * The manager side of a driver. The routers validate names, keys and queries before calling it,
 * so a driver never parses client input (clause MGR-1).
 */
export interface ManagerDriver {
  /**
   * Looks an actor up by id. Resolves `undefined` for an unknown id; never throws for a miss
   * (MGR-2). Called on every request that addresses an actor by id.
   */
  getForId(input: GetForIdInput): Promise<ActorOutput | undefined>;
  /**
   * Looks an actor up by name and key, comparing keys as whole arrays: `["a","b"]` is not
   * `["a/b"]` nor `["b","a"]`; `[]` matches only `[]` (KEY-1..KEY-4). Never creates (MGR-3).
   */
  getWithKey(input: GetWithKeyInput): Promise<ActorOutput | undefined>;
  /**
   * Returns the actor with this name and key, creating it with `input` if none exists. Atomic:
   * concurrent callers on one key get one actor (MGR-4). `input` is ignored for an existing actor.
   */
  getOrCreateWithKey(input: CreateActorInput): Promise<ActorOutput>;
  /**
   * Creates an actor. Rejects with an ActorError of code `actor_already_exists` when the name and
   * key are taken (MGR-5). Must persist the initial data from `createInitialPersistedData(input)`
   * before resolving (MGR-6).
   */
  createActor(input: CreateActorInput): Promise<ActorOutput>;
  /**
   * Driver-to-actor HTTP: delivers `request` (URL host `actor`, path one of the actor router's
   * routes) to the actor router of `actorId` and resolves its Response. The response body must
   * stream: an SSE response is consumed while the actor keeps writing (ROUTE-1, ROUTE-2).
   * Used by the inline client and actor-to-actor calls.
   */
  sendRequest(actorId: string, request: Request): Promise<Response>;
  /**
   * Driver-to-actor WebSocket: opens a socket on the actor router path of `request`
   * (`/connect/websocket` or `/raw/websocket/*`), resolving once the socket can send.
   * Frames, their text/binary kind, and close codes and reasons cross unchanged (ROUTE-3).
   */
  openWebSocket(actorId: string, request: Request): Promise<UniversalWebSocket>;
  /**
   * Transparent forwarding of a public HTTP request that the manager router has authenticated
   * and rebuilt: method, path, query string, headers and body arrive unchanged (ROUTE-4).
   */
  proxyRequest(actorId: string, request: Request): Promise<Response>;
  /**
   * Bridges an accepted client socket to the actor router's socket for `request`, both ways,
   * until either side closes; frames and close codes and reasons cross unchanged (ROUTE-5).
   * Resolves once the bridge is established.
   */
  proxyWebSocket(actorId: string, request: Request, socket: UniversalWebSocket): Promise<void>;
}

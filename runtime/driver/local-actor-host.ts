/**
 * The local actor host: keeps actor instances and one actor router in process and routes
 * requests and sockets to them without a network hop. The memory and file-system reference
 * drivers are this helper plus storage.
 */
import type { ActorInstanceHost } from "../actor/host-interface.ts";
import type { Registry } from "../actor/registry.ts";
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";
import type { ActorDriver } from "./actor-driver.ts";
import type { ActorOutput, ManagerDriver } from "./manager-driver.ts";

/** What `createLocalActorHost` needs from the driver: storage, alarms and actor metadata. */
export interface LocalActorHostOptions {
  registry: Registry;
  /** Storage and alarms for the hosted actors. */
  actorDriver: ActorDriver;
  /** Name, key and region of an actor id, or undefined for an unknown id. */
  getActorMetadata(actorId: string): Promise<ActorOutput | undefined>;
  /** The manager driver built around this host; used for `c.client()` (lazy: built after). */
  managerDriver(): ManagerDriver;
  /**
   * False keeps every actor loaded until `stop()`: idle actors never sleep and `c.sleep()` is
   * ignored. For a driver whose manifest declares `sleep: false`. Default true (SLEEP-1).
   */
  sleep?: boolean;
}

/**
 * The routing half of a ManagerDriver, done in process, plus actor lifecycle.
 * `loadActor` is safe under concurrency: concurrent loads share one start; a failed start
 * rejects every waiter and a later load retries (clause LIFE-3). `createLocalActorHost` in
 * create-local-actor-host.ts is the implementation the runtime hands to drivers.
 */
export interface LocalActorHost {
  /** ManagerDriver.sendRequest done in process: the actor router's Response, streamed (ROUTE-1, ROUTE-2). */
  sendRequest(actorId: string, request: Request): Promise<Response>;
  /** ManagerDriver.openWebSocket done with an in-process socket pair; resolves it open (ROUTE-3). */
  openWebSocket(actorId: string, request: Request): Promise<UniversalWebSocket>;
  /** ManagerDriver.proxyRequest done in process (ROUTE-4). */
  proxyRequest(actorId: string, request: Request): Promise<Response>;
  /** ManagerDriver.proxyWebSocket: the client's socket goes straight to the actor router (ROUTE-5). */
  proxyWebSocket(actorId: string, request: Request, socket: UniversalWebSocket): Promise<void>;
  /**
   * Resolves a handle on the actor once an instance runs, starting (or waking) one if none is
   * loaded. The handle follows the actor across sleep and wake: its requests always reach the
   * current instance. Its `stop()` unloads the actor now, whatever it is doing (connections
   * and raw WebSockets closed, state saved); the next request starts a new instance: for a
   * driver that must give an actor up. Rejects `actor_not_found`.
   */
  loadActor(actorId: string): Promise<ActorInstanceHost>;
  /**
   * Called by the driver when an alarm set through ActorDriver.setAlarm comes due; wakes a
   * sleeping actor to run it (SLEEP-4).
   */
  fireAlarm(actorId: string): Promise<void>;
  /** Stops every instance (final save, connections closed) and rejects later calls. */
  stop(): Promise<void>;
}

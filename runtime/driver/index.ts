/**
 * The public entry for driver authors (`driver-cert/driver`): defineDriver, the contract types,
 * and the helpers a driver may build on (the local actor host, the in-process socket pair).
 */
import { createInitialPersistedData } from "../actor/persistence.ts";
import { createLocalActorHost } from "./create-local-actor-host.ts";
import type { DriverRuntimeHelpers } from "./define-driver.ts";

export { ActorError, type ErrorCode, isActorError } from "../actor/errors.ts";
export { createInitialPersistedData } from "../actor/persistence.ts";
export type { Registry } from "../actor/registry.ts";
export {
  createSocketPair,
  type SocketPairOptions,
} from "../routing/socket-pair.ts";
export {
  type UniversalCloseEvent,
  type UniversalEvent,
  type UniversalMessageEvent,
  type UniversalWebSocket,
  type UniversalWebSocketEventMap,
  type WebSocketData,
  type WebSocketReadyState,
  WS_CLOSED,
  WS_CLOSING,
  WS_CONNECTING,
  WS_OPEN,
} from "../routing/universal-websocket.ts";
export type { ActorDriver } from "./actor-driver.ts";
export { createLocalActorHost } from "./create-local-actor-host.ts";
export {
  CAPABILITY_NAMES,
  type CapabilityName,
  CONTRACT_VERSION,
  type DistributedTestHooks,
  type DriverCapabilities,
  type DriverDefinition,
  type DriverInstance,
  type DriverNode,
  type DriverRuntimeHelpers,
  type DriverStartContext,
  defineDriver,
  driverDefinitionSchema,
  resolveCapabilities,
} from "./define-driver.ts";
export type { LocalActorHost, LocalActorHostOptions } from "./local-actor-host.ts";
export type {
  ActorKey,
  ActorOutput,
  CreateActorInput,
  GetForIdInput,
  GetWithKeyInput,
  ManagerDriver,
} from "./manager-driver.ts";

/**
 * The helpers the runtime hands to `start(ctx)` as `ctx.runtime`: `createLocalActorHost` and
 * `createInitialPersistedData`. Tests and custom hosts call this to start a driver by hand.
 *
 * @example
 * const instance = await memoryDriver.start({ registry, dataDir, namespace: "t1",
 *   runtime: createDriverRuntimeHelpers() });
 */
export function createDriverRuntimeHelpers(): DriverRuntimeHelpers {
  return { createLocalActorHost, createInitialPersistedData };
}

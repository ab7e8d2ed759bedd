/**
 * The actor runtime: definitions, the registry, contexts, connections, persistence and the
 * running instance.
 */
export { type AnyAction, invokeAction, lookupAction, withTimeout } from "./action-runner.ts";
export type { Conn } from "./connection.ts";
export type {
  ActionContext,
  ActorContext,
  ActorLogger,
  LogFunction,
  LogLevel,
  SaveStateOptions,
  Schedule,
} from "./context.ts";
export {
  type ActionFunction,
  type ActionsOf,
  type ActionsRecord,
  type ActorConfig,
  type ActorDefinition,
  type ActorOptions,
  type AnyActionsRecord,
  type AnyActorDefinition,
  type AuthIntent,
  actor,
  type ConnectOptions,
  type ConnParamsOf,
  DEFAULT_ACTOR_OPTIONS,
  type InputOf,
  isActorDefinition,
  type OnAuthOptions,
  type StateOf,
} from "./definition.ts";
export {
  ActorError,
  type ActorErrorOptions,
  actorError,
  type DeconstructedError,
  deconstructError,
  ERROR_CATALOGUE,
  type ErrorCode,
  type ErrorPayload,
  type ErrorSpec,
  isActorError,
  MASKED_MESSAGE,
  UserError,
  type UserErrorOptions,
} from "./errors.ts";
export type {
  ActorInstanceHost,
  ConnectionTransport,
  ConnectRequest,
  HostConnection,
} from "./host-interface.ts";
export { ActorInstance, type ActorInstanceOptions, startActorInstance } from "./instance.ts";
export {
  createInitialPersistedData,
  decodePersistedData,
  encodePersistedData,
  PERSISTED_DATA_VERSION,
  type PersistedActor,
  type PersistedEvent,
} from "./persistence.ts";
export { type Registry, type RegistryConfig, setup } from "./registry.ts";

/**
 * The public entry point (`driver-cert`): declare actors and a registry, raise coded errors.
 *
 * @example
 * import { actor, setup, UserError } from "driver-cert";
 * const counter = actor({ state: { count: 0 }, actions: { increment: (c, x: number) => (c.state.count += x) } });
 * export const registry = setup({ use: { counter } });
 */
export {
  type ActionContext,
  type ActionsOf,
  type ActorConfig,
  type ActorContext,
  type ActorDefinition,
  ActorError,
  type ActorOptions,
  type AnyActorDefinition,
  type AuthIntent,
  actor,
  type Conn,
  type ConnectOptions,
  type ConnParamsOf,
  type ErrorCode,
  type InputOf,
  isActorError,
  type OnAuthOptions,
  type Registry,
  type SaveStateOptions,
  type Schedule,
  type StateOf,
  setup,
  UserError,
  type UserErrorOptions,
} from "./actor/index.ts";

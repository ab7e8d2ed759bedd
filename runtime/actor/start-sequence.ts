/**
 * Steps of an instance's start that stand alone: reading the persisted blob, computing vars,
 * and turning a failure into `actor_start_failed` (LIFE-1..3, VARS-1..3, PERSIST-5).
 */
import type { ActorDriver } from "../driver/actor-driver.ts";
import { withTimeout } from "./action-runner.ts";
import type { ActorContext } from "./context.ts";
import type { AnyActorDefinition } from "./definition.ts";
import { ActorError } from "./errors.ts";
import { decodePersistedData, type PersistedActor } from "./persistence.ts";

/**
 * Reads and decodes the blob of `actorId`. Throws `actor_not_found` when the driver has none,
 * `persisted_data_corrupt` when it cannot be decoded (or the driver says so), and
 * `driver_error` when the driver's read throws anything else.
 */
export async function readPersistedActor(
  driver: ActorDriver,
  actorId: string,
): Promise<PersistedActor> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await driver.readPersistedData(actorId);
  } catch (error) {
    if (error instanceof ActorError) throw error;
    throw new ActorError(
      "driver_error",
      `readPersistedData failed for actor ${actorId}: ${messageOf(error)}`,
      {
        cause: error,
      },
    );
  }
  if (bytes === undefined) {
    throw new ActorError(
      "actor_not_found",
      `no persisted data for actor ${actorId}; it was never created`,
    );
  }
  return decodePersistedData(bytes, actorId);
}

/**
 * The vars of a new instance: `createVars(c, driver.getContext?.(actorId))` bounded by
 * `createVarsTimeout`, or a deep clone of `vars`, or `undefined` when the actor has neither.
 */
export async function computeVars(
  config: AnyActorDefinition["config"],
  ctx: ActorContext,
  driver: ActorDriver,
  actorId: string,
): Promise<{ value: unknown } | undefined> {
  if (config.createVars) {
    const ms = config.options.createVarsTimeout;
    const value = await withTimeout(
      config.createVars(ctx, driver.getContext?.(actorId)),
      ms,
      () => new ActorError("internal_error", `createVars did not finish within ${ms} ms`),
    );
    return { value };
  }
  if (config.vars !== undefined) return { value: structuredClone(config.vars) };
  return undefined;
}

/**
 * `actor_start_failed` for a start that threw `error`, keeping its message (the inline path
 * shows it) and the error as `cause`.
 */
export function startFailure(error: unknown, actorId: string): ActorError {
  if (error instanceof ActorError && error.code === "actor_start_failed") return error;
  return new ActorError("actor_start_failed", messageOf(error), {
    cause: error,
    metadata: { actorId },
  });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

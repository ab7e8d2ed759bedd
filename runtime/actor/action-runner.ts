/**
 * Looking up and invoking actions and hooks: `action_not_found`, and time bounds that turn a
 * hung promise into a coded error (ACT-3, ACT-4).
 */
import type { ActionContext } from "./context.ts";
import { ActorError } from "./errors.ts";

/** An action as the runtime calls it. */
export type AnyAction = (c: ActionContext, ...args: unknown[]) => unknown;

/**
 * The action `name` of `actions`: an own property holding a function. Throws `action_not_found`
 * naming the action and `actorLabel` otherwise (inherited names such as `toString` included).
 */
export function lookupAction(
  actions: Record<string, unknown>,
  name: string,
  actorLabel: string,
): AnyAction {
  const fn = Object.hasOwn(actions, name) ? actions[name] : undefined;
  if (typeof fn !== "function") {
    throw new ActorError(
      "action_not_found",
      `actor ${actorLabel} has no action ${JSON.stringify(name)}`,
      {
        metadata: { action: name },
      },
    );
  }
  return fn as AnyAction;
}

/**
 * Waits for `value` for at most `ms`; a synchronous value resolves at once and is never timed
 * out. Past the bound, rejects with `onTimeout()`; the work itself keeps running (JavaScript
 * cannot cancel it), and its late result or error is dropped.
 */
export function withTimeout<T>(
  value: T | PromiseLike<T>,
  ms: number,
  onTimeout: () => Error,
): Promise<T> {
  if (!isThenable(value)) return Promise.resolve(value);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(onTimeout()), ms);
    Promise.resolve(value).then(
      (result) => {
        clearTimeout(timer);
        resolve(result);
      },
      (error) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Calls `fn(ctx, ...args)` and waits for its result for at most `timeoutMs`; an async action
 * slower than that rejects `action_timed_out` naming the action and the bound (ACT-4). Errors
 * thrown by the action reach the caller unchanged (a UserError keeps code and metadata, ERR-2).
 */
export function invokeAction(
  fn: AnyAction,
  ctx: ActionContext,
  args: readonly unknown[],
  timeoutMs: number,
  label: { actor: string; action: string },
): Promise<unknown> {
  let result: unknown;
  try {
    result = fn(ctx, ...args);
  } catch (error) {
    return Promise.reject(error);
  }
  return withTimeout(
    result,
    timeoutMs,
    () =>
      new ActorError(
        "action_timed_out",
        `action ${JSON.stringify(label.action)} of actor ${label.actor} did not finish within ${timeoutMs} ms`,
        { metadata: { action: label.action, timeoutMs } },
      ),
  );
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as { then?: unknown }).then === "function"
  );
}

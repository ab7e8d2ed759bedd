/**
 * What waits on a connection: actions queued until `init`, actions in flight (matched to their
 * reply by id; id 0 is a real id), and `waitForOpen()` callers. Everything added here settles
 * exactly once; an action with a time bound settles with its timeout error when no reply came
 * within it.
 */
import type { ToServerMessage } from "../protocol/messages.ts";
import type { ClientActorError } from "./errors.ts";

/** One action call: its message and how to settle its promise. */
export interface PendingAction {
  readonly id: number;
  readonly message: ToServerMessage & { type: "action" };
  resolve(value: unknown): void;
  reject(error: ClientActorError): void;
}

interface Waiter {
  resolve(): void;
  reject(error: ClientActorError): void;
}

/** The bookkeeping of one connection's pending work. */
export class PendingWork {
  #nextId = 0;
  readonly #inFlight = new Map<number, PendingAction>();
  #queued: PendingAction[] = [];
  #waiters: Waiter[] = [];

  /**
   * A new action with the next id (0, 1, 2, ... per connection) and its promise. With
   * `timeoutMs`, an action still queued or in flight that long after this call is dropped (a late
   * reply is ignored) and rejects with `onTimeout()`.
   */
  createAction(
    name: string,
    args: unknown[],
    timeoutMs?: number,
    onTimeout?: () => ClientActorError,
  ): { pending: PendingAction; promise: Promise<unknown> } {
    const id = this.#nextId++;
    let pending!: PendingAction;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const promise = new Promise<unknown>((resolve, reject) => {
      pending = {
        id,
        message: { type: "action", id, name, args },
        resolve(value) {
          clearTimeout(timer);
          resolve(value);
        },
        reject(error) {
          clearTimeout(timer);
          reject(error);
        },
      };
    });
    if (timeoutMs !== undefined && onTimeout) {
      timer = setTimeout(() => {
        if (this.#inFlight.get(id) === pending) this.#inFlight.delete(id);
        this.#queued = this.#queued.filter((queued) => queued !== pending);
        pending.reject(onTimeout());
      }, timeoutMs);
    }
    return { pending, promise };
  }

  /** Keeps an action until the next `init`. */
  queue(pending: PendingAction): void {
    this.#queued.push(pending);
  }

  /** Removes and returns the queued actions, in call order. */
  takeQueued(): PendingAction[] {
    const queued = this.#queued;
    this.#queued = [];
    return queued;
  }

  /** Records an action as sent, awaiting its reply. */
  sent(pending: PendingAction): void {
    this.#inFlight.set(pending.id, pending);
  }

  /** Settles the in-flight action `id` (if still in flight; later replies are ignored). */
  settle(id: number, outcome: { output: unknown } | { error: ClientActorError }): void {
    const pending = this.#inFlight.get(id);
    if (!pending) return;
    this.#inFlight.delete(id);
    if ("error" in outcome) pending.reject(outcome.error);
    else pending.resolve(outcome.output);
  }

  /** Settles `pending` with `error` if it is still in flight. */
  fail(pending: PendingAction, error: ClientActorError): void {
    if (this.#inFlight.get(pending.id) === pending) this.settle(pending.id, { error });
  }

  /** A promise for the next open; see `ActorConnection.waitForOpen`. */
  waitForOpen(): Promise<void> {
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Resolves every open waiter. */
  opened(): void {
    for (const waiter of this.#takeWaiters()) waiter.resolve();
  }

  /** Rejects every in-flight action with `error`. */
  rejectInFlight(error: ClientActorError): void {
    const inFlight = [...this.#inFlight.values()];
    this.#inFlight.clear();
    for (const pending of inFlight) pending.reject(error);
  }

  /** Rejects the queued actions and open waiters (and, with `inFlight`, in-flight actions). */
  rejectWaiting(error: ClientActorError, inFlight: boolean): void {
    if (inFlight) this.rejectInFlight(error);
    for (const pending of this.takeQueued()) pending.reject(error);
    for (const waiter of this.#takeWaiters()) waiter.reject(error);
  }

  #takeWaiters(): Waiter[] {
    const waiters = this.#waiters;
    this.#waiters = [];
    return waiters;
  }
}

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

/** One action call; a class, so a call costs no closures beyond its promise's executor. */
class ActionCall implements PendingAction {
  readonly id: number;
  readonly message: ToServerMessage & { type: "action" };
  deadline: Deadline | undefined;
  readonly #work: PendingWork;
  #resolve!: (value: unknown) => void;
  #reject!: (error: ClientActorError) => void;

  constructor(id: number, name: string, args: unknown[], work: PendingWork) {
    this.id = id;
    this.message = { type: "action", id, name, args };
    this.#work = work;
  }

  bind(resolve: (value: unknown) => void, reject: (error: ClientActorError) => void): void {
    this.#resolve = resolve;
    this.#reject = reject;
  }

  resolve(value: unknown): void {
    if (this.deadline) this.#work.deadlineSettled(this.deadline);
    this.#resolve(value);
  }

  reject(error: ClientActorError): void {
    if (this.deadline) this.#work.deadlineSettled(this.deadline);
    this.#reject(error);
  }
}

/** An action's time bound: when it is due and what it then rejects with. */
interface Deadline {
  readonly pending: PendingAction;
  /** `performance.now()` time, in ms. */
  readonly at: number;
  readonly onTimeout: () => ClientActorError;
  settled: boolean;
}

/**
 * The bookkeeping of one connection's pending work. Time bounds share one timer, armed for the
 * earliest unsettled deadline and cleared when nothing is pending, rather than a timer per
 * action.
 */
export class PendingWork {
  #nextId = 0;
  readonly #inFlight = new Map<number, PendingAction>();
  #queued: PendingAction[] = [];
  #waiters: Waiter[] = [];
  #deadlines: Deadline[] = [];
  /** Deadlines not settled yet. */
  #live = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Number.POSITIVE_INFINITY;

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
    const call = new ActionCall(this.#nextId++, name, args, this);
    const promise = new Promise<unknown>((resolve, reject) => call.bind(resolve, reject));
    if (timeoutMs !== undefined && onTimeout) {
      call.deadline = {
        pending: call,
        at: performance.now() + timeoutMs,
        onTimeout,
        settled: false,
      };
      this.#addDeadline(call.deadline);
    }
    return { pending: call, promise };
  }

  /** A deadline's action settled: once none is left, the timer goes. @internal */
  deadlineSettled(deadline: Deadline): void {
    if (deadline.settled) return;
    deadline.settled = true;
    if (--this.#live === 0) this.#clearDeadlines();
  }

  #addDeadline(deadline: Deadline): void {
    // Settled deadlines are dropped in bulk once they outnumber the live ones.
    if (this.#deadlines.length > 2 * this.#live + 16) {
      this.#deadlines = this.#deadlines.filter((entry) => !entry.settled);
    }
    this.#deadlines.push(deadline);
    this.#live++;
    if (deadline.at < this.#timerAt) this.#arm(deadline.at);
  }

  #arm(at: number): void {
    clearTimeout(this.#timer);
    this.#timerAt = at;
    this.#timer = setTimeout(() => this.#expire(), Math.max(0, at - performance.now()));
  }

  #clearDeadlines(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.#deadlines = [];
  }

  /** Rejects every action past its deadline, then arms the timer for the next one. */
  #expire(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    const now = performance.now();
    const due: Deadline[] = [];
    let next = Number.POSITIVE_INFINITY;
    const kept: Deadline[] = [];
    for (const entry of this.#deadlines) {
      if (entry.settled) continue;
      if (entry.at <= now) due.push(entry);
      else {
        kept.push(entry);
        if (entry.at < next) next = entry.at;
      }
    }
    this.#deadlines = kept;
    for (const { pending, onTimeout } of due) {
      if (this.#inFlight.get(pending.id) === pending) this.#inFlight.delete(pending.id);
      this.#queued = this.#queued.filter((queued) => queued !== pending);
      pending.reject(onTimeout());
    }
    if (next !== Number.POSITIVE_INFINITY && this.#timer === undefined) this.#arm(next);
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

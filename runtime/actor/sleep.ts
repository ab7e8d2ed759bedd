/**
 * Sleep of one actor instance: when it is idle, how long it waits before sleeping, and the save
 * that ends an instance's life (clauses SLEEP-1..SLEEP-3, SLEEP-5). The host (the local actor
 * host) drops the instance afterwards, tells the driver, and starts a new instance on the next
 * request or alarm (SLEEP-4, SLEEP-6, SLEEP-8).
 *
 * Idle means: no open connection (WebSocket or SSE), no raw WebSocket, no action, raw request,
 * connection attempt or scheduled run in flight, and no pending save. Unsaved changes are not
 * left for the sleep: an actor that is otherwise idle writes them first, and its idle time
 * starts once that write resolved.
 */
import { withTimeout } from "./action-runner.ts";
import { ActorError } from "./errors.ts";
import type { StateStore } from "./state-store.ts";

/**
 * Thrown by an instance that is asleep or going to sleep when a request reaches it before it
 * started any work. A host that sees it waits for the sleep to end and hands the request to the
 * next instance (SLEEP-6); it is never an answer to a client. Code `internal_error` so that a
 * host without sleep support still reports a coded error.
 */
export class ActorAsleepError extends ActorError {
  constructor(label: string) {
    super("internal_error", `actor ${label} is asleep; the request must go to its next instance`);
  }
}

/** What a sleep controller watches and does. @internal */
export interface SleepControllerOptions {
  /** Idle time before sleep, ms (`sleepTimeout`). */
  timeoutMs: number;
  /** Open connections plus raw WebSockets: each keeps the actor awake while it lasts (SLEEP-2). */
  openCount(): number;
  /** True while a detected state change is not written yet. */
  unsaved(): boolean;
  /** Writes pending changes; rejects when the driver's write fails. */
  save(): Promise<void>;
  /** Begins the sleep. Called once per controller life, when the actor is idle and either the
   * timeout elapsed or `c.sleep()` asked for it. */
  sleep(): void;
}

/**
 * Tracks the work in flight of one instance and arms the idle timer when there is none
 * (SLEEP-1, SLEEP-2). `begin()`/`end()` bracket each request; `evaluate()` re-checks after
 * anything else that may end activity (a connection or raw WebSocket closed). @internal
 */
export class SleepController {
  readonly #o: SleepControllerOptions;
  #inFlight = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #saving = false;
  #requested = false;
  /** False until the instance serves requests (see activate). */
  #active = false;
  #stopped = false;

  constructor(options: SleepControllerOptions) {
    this.#o = options;
  }

  /**
   * Starts idle tracking once the instance serves requests. Until then nothing sleeps, so a
   * `c.sleep()` from onStart or onWake waits for the request that woke the actor.
   */
  activate(): void {
    this.#active = true;
    if (!this.#requested) {
      this.evaluate();
      return;
    }
    // Asked during the start: look a macrotask later, once the request that woke the actor
    // (already on its way, through microtasks) is in flight and keeps it awake.
    const later = setTimeout(() => this.evaluate(), 0);
    (later as { unref?: () => void }).unref?.();
  }

  /** Work started: the actor is not idle until the matching `end()`. */
  begin(): void {
    this.#inFlight++;
    this.#clearTimer();
  }

  /** Work ended; the actor may now be idle. */
  end(): void {
    this.#inFlight--;
    this.evaluate();
  }

  /** `c.sleep()`: sleep as soon as idle, without waiting for the timeout. */
  request(): void {
    this.#requested = true;
    // The caller is usually an action still in flight; its end() re-evaluates.
    this.evaluate();
  }

  /** Re-checks idleness: arms the idle timer, writes unsaved changes, or sleeps when asked to. */
  evaluate(): void {
    if (this.#stopped || !this.#active) return;
    if (this.#inFlight > 0 || this.#saving || this.#o.openCount() > 0) {
      this.#clearTimer();
      return;
    }
    if (this.#o.unsaved()) {
      this.#clearTimer();
      this.#saveFirst();
      return;
    }
    if (this.#requested) {
      this.#fire();
      return;
    }
    if (this.#timer !== undefined) return;
    this.#armIdleTimer(performance.now(), this.#o.timeoutMs);
  }

  /**
   * Sleeps once idle since `since` (performance.now(), ms) for the whole timeout. A timer may
   * fire a little early by the wall clock (Node measures from the start of the event-loop
   * turn), so the time left is checked and waited out: never before the timeout (SLEEP-1).
   */
  #armIdleTimer(since: number, delayMs: number): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const left = this.#o.timeoutMs - (performance.now() - since);
      if (left > 0 && this.#idle()) return this.#armIdleTimer(since, left);
      if (this.#idle() && !this.#o.unsaved()) this.#fire();
      else this.evaluate();
    }, delayMs);
    // An idle timer never keeps a process alive; stop() clears it anyway.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** After a sleep that could not save: the actor stays awake and tries again after the timeout. */
  resume(): void {
    this.#stopped = false;
    this.#requested = false;
    this.evaluate();
  }

  /** No more sleep decisions (the instance sleeps or stops). */
  stop(): void {
    this.#stopped = true;
    this.#clearTimer();
  }

  #idle(): boolean {
    return this.#inFlight === 0 && !this.#saving && this.#o.openCount() === 0;
  }

  #fire(): void {
    this.stop();
    this.#o.sleep();
  }

  /** An idle actor with unsaved changes writes them before its idle time starts. */
  #saveFirst(): void {
    this.#saving = true;
    this.#o.save().then(
      () => {
        this.#saving = false;
        this.evaluate();
      },
      () => {
        // The periodic save reports and retries the write; look again after the timeout.
        this.#saving = false;
        if (this.#stopped || this.#timer !== undefined) return;
        this.#timer = setTimeout(() => {
          this.#timer = undefined;
          this.evaluate();
        }, this.#o.timeoutMs);
        (this.#timer as { unref?: () => void }).unref?.();
      },
    );
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** What the sleep save needs from its instance. @internal */
export interface SleepSaveOptions {
  store: StateStore;
  /** `onSleep(c)`, if declared. */
  onSleep?: () => unknown;
  /** `sleepHookTimeout`, ms. */
  hookTimeoutMs: number;
  /** The instance's `name/["key"]`, for messages. */
  label: string;
  report(message: string, error: unknown): void;
}

/**
 * The end of an instance's life before sleep: runs `onSleep` (bounded; errors logged), marks the
 * blob `asleep` (so the next start runs `onWake`, SLEEP-5), stops the periodic save and writes
 * everything pending (SLEEP-3). Resolves true once the write resolved; false when it failed, with
 * the periodic save running again and the blob no longer marked: the instance stays awake.
 */
export async function saveForSleep(options: SleepSaveOptions): Promise<boolean> {
  const { store } = options;
  await runBoundedHook("onSleep", options.onSleep, options);
  store.data.asleep = true;
  store.markDirty();
  try {
    await store.close();
    return true;
  } catch (error) {
    delete store.data.asleep;
    store.markDirty();
    store.startPeriodicSave();
    options.report("the save before sleep failed; the actor stays awake", error);
    return false;
  }
}

/**
 * Runs `onSleep` or `onWake` within `hookTimeoutMs`; a throw or a run past the bound is
 * reported, never thrown: neither hook can stop a sleep or a wake.
 */
export async function runBoundedHook(
  name: "onSleep" | "onWake",
  hook: (() => unknown) | undefined,
  options: Pick<SleepSaveOptions, "hookTimeoutMs" | "label" | "report">,
): Promise<void> {
  if (!hook) return;
  const ms = options.hookTimeoutMs;
  try {
    await withTimeout(
      Promise.resolve().then(hook),
      ms,
      () => new ActorError("internal_error", `${name} of ${options.label} ran past ${ms} ms`),
    );
  } catch (error) {
    options.report(`${name} failed`, error);
  }
}

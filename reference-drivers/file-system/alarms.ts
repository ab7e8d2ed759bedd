/**
 * In-memory alarm timers, one per actor, for alarms whose due times the store keeps on disk.
 * setTimeout caps a delay at 2^31-1 ms (about 24.8 days), so longer delays wait in chunks.
 */

/** The longest delay setTimeout honours, in ms; longer delays are re-armed in chunks. */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/** Called when an actor's alarm comes due, with the due time it was armed for. */
export type AlarmHandler = (actorId: string, at: number) => Promise<void>;

/**
 * One pending timer per actor; arming again replaces it. Due callbacks run unawaited by the
 * timer; `stop()` clears timers and waits for callbacks already running.
 */
export class AlarmTimers {
  readonly #timers = new Map<string, { at: number; timer: NodeJS.Timeout }>();
  readonly #running = new Set<Promise<void>>();
  /** Alarms asked for after stop(): no timer, but the store holds them for the next start. */
  readonly #afterStop = new Map<string, number>();
  readonly #onDue: AlarmHandler;
  #stopped = false;

  constructor(onDue: AlarmHandler) {
    this.#onDue = onDue;
  }

  /**
   * Arms the actor's alarm for `at` (ms since epoch), replacing any pending one; a past time
   * fires on the next turn of the event loop. Once stopped, no timer starts; `pending` still
   * reports the time (the store keeps it, and the next start arms it).
   */
  arm(actorId: string, at: number): void {
    if (this.#stopped) {
      this.#afterStop.set(actorId, at);
      return;
    }
    this.#clear(actorId);
    const delay = Math.min(Math.max(0, at - Date.now()), MAX_TIMER_DELAY_MS);
    const timer = setTimeout(() => {
      this.#timers.delete(actorId);
      if (at > Date.now()) {
        this.arm(actorId, at); // a chunk of a long delay ended; wait for the rest
        return;
      }
      const run = this.#onDue(actorId, at).catch(() => {});
      this.#running.add(run);
      void run.then(() => this.#running.delete(run));
    }, delay);
    this.#timers.set(actorId, { at, timer });
  }

  /**
   * The due time the actor's timer is armed for (after stop(), the time last asked for), or
   * undefined when none is pending.
   */
  pending(actorId: string): number | undefined {
    return this.#timers.get(actorId)?.at ?? this.#afterStop.get(actorId);
  }

  #clear(actorId: string): void {
    const entry = this.#timers.get(actorId);
    if (entry) clearTimeout(entry.timer);
    this.#timers.delete(actorId);
  }

  /** Stops arming, clears every pending timer. Idempotent. */
  stop(): void {
    this.#stopped = true;
    for (const actorId of [...this.#timers.keys()]) this.#clear(actorId);
  }

  /** Resolves once every due callback already running has settled. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }
}

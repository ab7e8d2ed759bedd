/**
 * `c.schedule`: persisted events that run an action of the actor later, driven by the
 * ActorDriver's alarm (SCHED-1..4).
 */
import type { ActorDriver } from "../driver/actor-driver.ts";
import { assertCborEncodable } from "../protocol/values.ts";
import type { Schedule } from "./context.ts";
import { ActorError } from "./errors.ts";
import type { PersistedEvent } from "./persistence.ts";
import type { StateStore } from "./state-store.ts";

/** What the schedule needs from its instance. @internal */
export interface ScheduleHost {
  actorId: string;
  actorDriver: ActorDriver;
  store: StateStore;
  /** Throws `action_not_found` unless `name` is an action of the actor. */
  assertAction(name: string): void;
  /** Runs one due event's action with a context that has no `conn`; errors are the caller's. */
  runEvent(event: PersistedEvent): Promise<void>;
  /** False once the instance began stopping: due events not run yet wait for the next start. */
  isRunning(): boolean;
  onError(message: string, error: unknown, data?: Record<string, unknown>): void;
}

/**
 * The schedule of one instance. Events live in the persisted blob sorted by timestamp (ties keep
 * insertion order); the driver's alarm is armed for the earliest one.
 * @internal
 */
export class ActorSchedule implements Schedule {
  readonly #host: ScheduleHost;
  /** The alarm time last requested from the driver, to skip redundant setAlarm calls. */
  #armedFor: number | undefined;
  #running: Promise<void> | undefined;
  #runAgain = false;
  /**
   * Due events taken out of the schedule whose run has not finished. A stop keeps them
   * (keepUnfinished) so the final save does not drop an event the stop cut short.
   */
  readonly #unfinished: PersistedEvent[] = [];

  constructor(host: ScheduleHost) {
    this.#host = host;
  }

  /** @see Schedule.after */
  after(ms: number, action: string, ...args: unknown[]): Promise<string> {
    if (typeof ms !== "number" || !Number.isFinite(ms)) {
      return Promise.reject(
        new TypeError(`schedule.after(): ms must be a finite number, got ${String(ms)}`),
      );
    }
    return this.at(Date.now() + ms, action, ...args);
  }

  /** @see Schedule.at */
  async at(timestampMs: number, action: string, ...args: unknown[]): Promise<string> {
    if (typeof timestampMs !== "number" || !Number.isFinite(timestampMs)) {
      throw new TypeError(
        `schedule.at(): timestamp must be a finite number of ms, got ${String(timestampMs)}`,
      );
    }
    if (typeof action !== "string")
      throw new TypeError("schedule.at(): action must be an action name");
    this.#host.assertAction(action);
    assertCborEncodable(args, `schedule(${action}).args`);
    const event: PersistedEvent = { id: crypto.randomUUID(), timestamp: timestampMs, action, args };
    const events = this.#host.store.data.schedule;
    // Insert after every event due at or before it, so equal timestamps run in call order.
    let index = events.length;
    while (index > 0 && events[index - 1].timestamp > timestampMs) index--;
    events.splice(index, 0, event);
    this.#host.store.markDirty();
    // Persisted before the alarm is armed and before the caller hears back (SCHED-4).
    await this.#host.store.flush();
    await this.arm();
    return event.id;
  }

  /** Arms the driver's alarm for the earliest event, if it is not armed for that time already. */
  async arm(): Promise<void> {
    const next = this.#host.store.data.schedule[0];
    if (next === undefined || next.timestamp === this.#armedFor) return;
    this.#armedFor = next.timestamp;
    try {
      await this.#host.actorDriver.setAlarm(this.#host.actorId, next.timestamp);
    } catch (error) {
      this.#armedFor = undefined;
      throw new ActorError(
        "driver_error",
        `setAlarm failed for actor ${this.#host.actorId}: ${(error as Error)?.message ?? String(error)}`,
        {
          cause: error,
        },
      );
    }
  }

  /**
   * Runs every due event once, in timestamp order; errors are logged and swallowed. Then writes
   * state and schedule, and re-arms for the next event. Calls while a run is going on join it
   * and trigger one more pass, so an alarm is never lost.
   */
  onAlarm(): Promise<void> {
    if (this.#running) {
      this.#runAgain = true;
      return this.#running;
    }
    this.#running = this.#runPasses().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #runPasses(): Promise<void> {
    do {
      this.#runAgain = false;
      await this.#runDue();
    } while (this.#runAgain);
  }

  async #runDue(): Promise<void> {
    const { store } = this.#host;
    // The alarm fired (or was asked for): whatever was armed is spent.
    this.#armedFor = undefined;
    const now = Date.now();
    const events = store.data.schedule;
    let due = 0;
    while (due < events.length && events[due].timestamp <= now) due++;
    const batch = events.splice(0, due);
    if (batch.length > 0) store.markDirty();
    this.#unfinished.push(...batch);
    for (const event of batch) {
      // Stopping: this event and the rest stay unfinished, for the next start.
      if (!this.#host.isRunning()) break;
      let failure: { error: unknown } | undefined;
      try {
        await this.#host.runEvent(event);
      } catch (error) {
        failure = { error };
      }
      // A run that failed once the stop began was cut short by it (another actor gone, the
      // host closed): kept like the events after it. One that finished is done either way.
      if (failure && !this.#host.isRunning()) break;
      const index = this.#unfinished.indexOf(event);
      if (index >= 0) this.#unfinished.splice(index, 1);
      if (failure) {
        this.#host.onError(`scheduled action ${event.action} threw`, failure.error, {
          eventId: event.id,
        });
      }
    }
    // Cut short by a stop: back into the schedule, so the alarm below is armed for them.
    if (!this.#host.isRunning()) this.keepUnfinished();
    // Saved before re-arming, so a restart never replays events that already ran.
    await store.settle();
    await this.arm();
  }

  /**
   * For stop(), before its final save: puts the due events whose run the stop cut short (or
   * that never started) back into the schedule, in timestamp order ahead of later events of the
   * same time, so they run after the next start (SCHED-4) instead of being lost with the stop.
   * An action that was cut short left no saved state change, so running it again is its first
   * complete run. The alarm pass that was running arms the driver's alarm for them once it ends.
   */
  keepUnfinished(): void {
    if (this.#unfinished.length === 0) return;
    const events = this.#host.store.data.schedule;
    const merged = [...this.#unfinished.splice(0), ...events].sort(
      (a, b) => a.timestamp - b.timestamp,
    );
    events.splice(0, events.length, ...merged);
    this.#host.store.markDirty();
  }
}

/**
 * The memory driver's storage: actors by id, a key index, persisted bytes and alarm timers.
 * Everything lives in one object per driver start, so two starts never share state.
 */
import {
  ActorError,
  type ActorOutput,
  type CreateActorInput,
  type GetWithKeyInput,
} from "../../runtime/driver/index.ts";

/** Longest delay a Node timer accepts (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMER_MS = 2_147_483_647;

interface StoredActor {
  output: ActorOutput;
  /** The bytes last written; starts as `createInitialPersistedData(input)`. */
  data: Uint8Array;
}

/**
 * One key index entry per name and key. `JSON.stringify([name, key])` cannot collide:
 * `["a","b"]`, `["a/b"]`, `["a,b"]` and `["b","a"]` all serialize differently, and so do `[]`
 * and `[""]` (KEY-1..KEY-3).
 */
function indexKey(name: string, key: readonly string[]): string {
  return JSON.stringify([name, key]);
}

/** In-memory actors and alarms for one memory driver start. */
export class MemoryStore {
  readonly #actors = new Map<string, StoredActor>();
  readonly #byKey = new Map<string, string>();
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  readonly #initialData: (input: unknown) => Uint8Array;

  constructor(initialData: (input: unknown) => Uint8Array) {
    this.#initialData = initialData;
  }

  get(actorId: string): ActorOutput | undefined {
    return this.#actors.get(actorId)?.output;
  }

  getWithKey({ name, key }: GetWithKeyInput): ActorOutput | undefined {
    const id = this.#byKey.get(indexKey(name, key));
    return id === undefined ? undefined : this.get(id);
  }

  /**
   * Creates an actor, or with `reuse` returns the existing one. Synchronous from the key check to
   * the index insert, so concurrent callers can never both create (MGR-4); the initial bytes are
   * computed first, so an input that cannot be encoded creates nothing.
   */
  create(input: CreateActorInput, reuse: boolean): ActorOutput {
    const slot = indexKey(input.name, input.key);
    const taken = this.#byKey.get(slot);
    if (taken !== undefined) {
      if (reuse) return this.get(taken)!;
      throw new ActorError(
        "actor_already_exists",
        `actor ${JSON.stringify(input.name)} with key ${JSON.stringify(input.key)} already exists`,
      );
    }
    const data = this.#initialData(input.input);
    const output: ActorOutput = {
      actorId: crypto.randomUUID(),
      name: input.name,
      key: Object.freeze([...input.key]),
    };
    if (input.region !== undefined) output.region = input.region;
    this.#actors.set(output.actorId, { output, data });
    this.#byKey.set(slot, output.actorId);
    return output;
  }

  /** A copy of the actor's bytes, so the runtime can never alias stored data. */
  read(actorId: string): Uint8Array | undefined {
    return this.#actors.get(actorId)?.data.slice();
  }

  write(actorId: string, data: Uint8Array): void {
    const stored = this.#actors.get(actorId);
    if (stored === undefined) {
      throw new ActorError("actor_not_found", `no actor has id ${JSON.stringify(actorId)}`);
    }
    stored.data = data.slice();
  }

  /**
   * Arms the actor's alarm for `timestampMs`, replacing the previous one. Delays past the timer
   * limit re-arm at the limit until the time comes. Throws a TypeError for a non-finite time.
   */
  setAlarm(actorId: string, timestampMs: number, fire: (actorId: string) => void): void {
    if (!Number.isFinite(timestampMs)) {
      throw new TypeError(`alarm time must be a finite number of ms, got ${timestampMs}`);
    }
    this.clearAlarm(actorId);
    const delay = Math.max(0, timestampMs - Date.now());
    const timer = setTimeout(
      () => {
        this.#timers.delete(actorId);
        if (delay > MAX_TIMER_MS) this.setAlarm(actorId, timestampMs, fire);
        else fire(actorId);
      },
      Math.min(delay, MAX_TIMER_MS),
    );
    this.#timers.set(actorId, timer);
  }

  clearAlarm(actorId: string): void {
    const timer = this.#timers.get(actorId);
    if (timer !== undefined) clearTimeout(timer);
    this.#timers.delete(actorId);
  }

  /** Clears every timer (DRV-4). */
  clearAlarms(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
  }
}

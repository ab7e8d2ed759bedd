/**
 * The state store of one actor instance: in-memory state and schedule, change detection, and
 * coalesced writes through the ActorDriver.
 *
 * THE RULE (PERSIST-2): a state change made by an action is written through
 * `ActorDriver.writePersistedData`, and that write has resolved, before the action's reply is
 * produced. Changes are detected by encoding the state to CBOR after each action or hook and
 * comparing the bytes with the last checkpoint, so in-place mutation (a Map's `set`, an array's
 * `push`) counts as a change like assignment does. Writes are coalesced: at most one write is in
 * flight per actor; changes made during a write go into the next one; an action waits for the
 * write that includes its change (and any change before it). Changes made outside actions
 * (onConnect, onDisconnect, onFetch, timers, scheduled events) are written within
 * `stateSaveInterval` ms by a periodic check; `c.saveState({ immediate: true })` writes at once.
 *
 * A FAILED SAVE LEAVES NO TRACE (PERSIST-9): when the driver's write fails (disk full, read-only
 * storage) the in-memory blob (state, schedule) goes back to what the driver last stored, so the
 * change is neither seen by the next action nor written by the next successful save; every
 * action waiting on that write rejects `driver_error`. A state the encoding cannot carry
 * (`invalid_state_type`) goes back to the last state that could be encoded.
 */
import type { ActorDriver } from "../driver/actor-driver.ts";
import { decodeCbor, encodeCbor } from "../protocol/values.ts";
import { ActorError } from "./errors.ts";
import { decodePersistedData, encodePersistedData, type PersistedActor } from "./persistence.ts";

/** What a state store is built from. */
export interface StateStoreOptions {
  actorId: string;
  actorDriver: ActorDriver;
  /** The decoded blob; the store owns it from here. */
  data: PersistedActor;
  /** Period of the check that saves changes made outside actions, ms. */
  saveIntervalMs: number;
  /** Runs after a detected state change with the new state; awaited, errors reported to `onError`. */
  onStateChange?: (state: unknown) => unknown;
  /** Where failures of background work (onStateChange, periodic saves) are reported. */
  onError(message: string, error: unknown): void;
}

/** In-memory state and schedule of one instance, saved by THE RULE above. @internal */
export class StateStore {
  readonly data: PersistedActor;
  readonly #options: StateStoreOptions;
  /** CBOR of the state at the last checkpoint. */
  #checkpointBytes: Uint8Array | undefined;
  /** The blob as the driver last stored it (or as it was read at start): what a failed save restores. */
  #storedBytes: Uint8Array;
  /** Counts detected changes (state or schedule); a write covers every change before it began. */
  #changeSeq = 0;
  #savedSeq = 0;
  #writing: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #ticking = false;
  #tickWaiters: { resolve(): void; reject(error: unknown): void }[] = [];

  constructor(options: StateStoreOptions) {
    this.#options = options;
    this.data = options.data;
    this.#storedBytes = encodePersistedData(options.data);
  }

  get state(): unknown {
    return this.data.state;
  }

  /** Replaces the state. Throws `invalid_state_type` naming the path of a value CBOR cannot carry. */
  set state(value: unknown) {
    encodeState(value);
    this.data.state = value;
  }

  /** True while some detected change has not been written yet. */
  get dirty(): boolean {
    return this.#savedSeq < this.#changeSeq;
  }

  /** Takes the current state as saved, without a write (after a read or an initial write). */
  resetCheckpoint(): void {
    this.#checkpointBytes = encodeState(this.data.state);
  }

  /** Records a change outside the state (the schedule); the next write carries it. */
  markDirty(): void {
    this.#changeSeq++;
  }

  /**
   * Detects a state change since the last checkpoint; on one, counts it and runs onStateChange
   * once. A change onStateChange itself makes is counted without running it again. Resolves
   * whether the state changed. Throws `invalid_state_type` when the state cannot be encoded.
   */
  async checkpoint(): Promise<boolean> {
    if (!this.#takeCheckpoint()) return false;
    const hook = this.#options.onStateChange;
    if (hook) {
      try {
        await hook(this.data.state);
      } catch (error) {
        this.#options.onError("onStateChange threw; the state change is kept", error);
      }
      this.#takeCheckpoint();
    }
    return true;
  }

  /**
   * Resolves once every change detected so far is written (coalesced; one write in flight).
   * Rejects `driver_error` when the driver's write fails, `invalid_state_type` when the state
   * cannot be encoded.
   */
  async flush(): Promise<void> {
    const target = this.#changeSeq;
    while (this.#savedSeq < target) {
      if (!this.#writing) {
        this.#writing = this.#write().finally(() => {
          this.#writing = undefined;
        });
      }
      await this.#writing;
    }
  }

  /** `checkpoint()` then `flush()`: what runs after every action (PERSIST-2). */
  settle(): Promise<void> {
    if (this.#options.onStateChange !== undefined)
      return this.checkpoint().then(() => this.flush());
    // Without a hook a checkpoint is synchronous; an action that changed nothing settles at once.
    try {
      this.#takeCheckpoint();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.dirty ? this.flush() : Promise.resolve();
  }

  /**
   * `c.saveState`: with `immediate`, checkpoint and write now; otherwise resolve after the next
   * periodic save (at most `saveIntervalMs` away), or at once when nothing is pending.
   */
  async save(immediate: boolean): Promise<void> {
    await this.checkpoint();
    if (immediate || !this.dirty) return this.flush();
    if (this.#timer === undefined) return this.flush();
    return new Promise((resolve, reject) => this.#tickWaiters.push({ resolve, reject }));
  }

  /** Starts the periodic check for changes made outside actions. */
  startPeriodicSave(): void {
    if (this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.#tick(), this.#options.saveIntervalMs);
    // The check must not keep a process alive on its own; stop() clears it anyway.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Stops the periodic check, then checkpoints and writes what is pending (the final save). */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    const waiters = this.#tickWaiters.splice(0);
    try {
      await this.settle();
      for (const w of waiters) w.resolve();
    } catch (error) {
      for (const w of waiters) w.reject(error);
      throw error;
    }
  }

  async #tick(): Promise<void> {
    if (this.#ticking) return;
    this.#ticking = true;
    const waiters = this.#tickWaiters.splice(0);
    try {
      await this.settle();
      for (const w of waiters) w.resolve();
    } catch (error) {
      for (const w of waiters) w.reject(error);
      this.#options.onError(
        "periodic state save failed; it is retried at the next interval",
        error,
      );
    } finally {
      this.#ticking = false;
    }
  }

  #takeCheckpoint(): boolean {
    let bytes: Uint8Array;
    try {
      bytes = encodeState(this.data.state);
    } catch (error) {
      // A state that cannot be stored is never kept: back to the last one that could (PERSIST-9).
      if (this.#checkpointBytes !== undefined) {
        this.data.state = (decodeCbor(this.#checkpointBytes) as { state: unknown }).state;
      }
      throw error;
    }
    if (this.#checkpointBytes !== undefined && sameBytes(bytes, this.#checkpointBytes))
      return false;
    this.#checkpointBytes = bytes;
    this.#changeSeq++;
    return true;
  }

  async #write(): Promise<void> {
    const seq = this.#changeSeq;
    const bytes = encodePersistedData(this.data);
    try {
      await this.#options.actorDriver.writePersistedData(this.#options.actorId, bytes);
    } catch (error) {
      this.#rollBack();
      throw new ActorError(
        "driver_error",
        `writePersistedData failed for actor ${this.#options.actorId}: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    }
    this.#storedBytes = bytes;
    if (seq > this.#savedSeq) this.#savedSeq = seq;
  }

  /**
   * After a failed write: the blob goes back to what the driver last stored, and nothing is
   * pending any more, so no later save writes the failed change (PERSIST-9). Changes made while
   * the failed write was in flight go too: every action waiting on that write rejects with it.
   */
  #rollBack(): void {
    const stored = decodePersistedData(this.#storedBytes, this.#options.actorId);
    this.data.input = stored.input;
    this.data.initialized = stored.initialized;
    this.data.state = stored.state;
    this.data.schedule = stored.schedule;
    this.#checkpointBytes = encodeState(stored.state);
    this.#savedSeq = this.#changeSeq;
  }
}

/** The CBOR of `state`; throws `invalid_state_type` naming the path (e.g. `state.handler`). */
function encodeState(state: unknown): Uint8Array {
  try {
    return encodeCbor({ state });
  } catch (error) {
    if (error instanceof ActorError && error.code === "serialization_error") {
      throw new ActorError("invalid_state_type", `${error.message}; state must be CBOR-encodable`, {
        cause: error,
      });
    }
    throw error;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false;
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false;
  return true;
}

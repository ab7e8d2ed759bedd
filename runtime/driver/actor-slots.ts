/**
 * The actors a local actor host holds, through sleep and wake: one slot per loaded actor, one
 * stable handle per actor id that always reaches the current instance (clauses SLEEP-4,
 * SLEEP-6, SLEEP-8, LIFE-3).
 */
import { ActorError } from "../actor/errors.ts";
import type { ActorInstanceHost, HostConnection } from "../actor/host-interface.ts";
import type { ActorInstanceOptions } from "../actor/instance.ts";
import { ActorAsleepError } from "../actor/sleep.ts";
import type { ActorDriver } from "./actor-driver.ts";

/** How many times one request follows an actor from a sleeping instance to the next. */
const MAX_WAKE_ATTEMPTS = 5;

/** One loaded (or loading) actor. */
interface Slot {
  instance: Promise<ActorInstanceHost>;
  /** The instance once started, for the synchronous `authorizeConnection`. */
  started?: ActorInstanceHost;
  /** Set while the instance goes to sleep: resolves once the host may start the next one. */
  transition?: Promise<void>;
}

/** What the slots need from their host. @internal */
export interface ActorSlotsOptions {
  actorDriver: ActorDriver;
  /** Whether instances may sleep (the host's `sleep` option). */
  sleep: boolean;
  /**
   * Starts an instance of `actorId`; `sleep` is to be passed to startActorInstance. Rejects as
   * the start does (`actor_not_found`, `actor_start_failed`, ...).
   */
  start(actorId: string, sleep: ActorInstanceOptions["sleep"]): Promise<ActorInstanceHost>;
}

/**
 * The loaded actors of one host.
 *
 * - `load(actorId)` resolves a handle once an instance is running: concurrent loads share one
 *   start; a failed start rejects every waiter and is forgotten, so a later load retries (LIFE-3).
 * - A handle's requests go to the current instance. One that reaches an instance going to sleep
 *   (ActorAsleepError: nothing ran) waits until the sleep ended, then goes to the next instance,
 *   which the request itself starts (SLEEP-6, SLEEP-8). Connection messages go to the instance
 *   that holds the connection and never wake an actor.
 * - When an instance has slept, its slot is dropped and `ActorDriver.onSleep(actorId)` is awaited
 *   before the next instance of that actor may start.
 * - `handle.stop()` unloads the actor now, asleep or not: connections and raw WebSockets are
 *   closed, state is saved, the next request starts a new instance.
 *
 * @internal
 */
export class ActorSlots {
  readonly #o: ActorSlotsOptions;
  readonly #slots = new Map<string, Slot>();
  readonly #handles = new Map<string, ActorInstanceHost>();
  #stopped = false;

  constructor(options: ActorSlotsOptions) {
    this.#o = options;
  }

  /** A handle on `actorId`, resolved once an instance runs (starting one if none is loaded). */
  async load(actorId: string): Promise<ActorInstanceHost> {
    const instance = await this.#awake(actorId);
    let handle = this.#handles.get(actorId);
    if (!handle) {
      handle = this.#handle(actorId, instance);
      this.#handles.set(actorId, handle);
    }
    return handle;
  }

  /**
   * A handle on `actorId` if an instance is loaded (started or starting), else `undefined`: never
   * starts or wakes one. Connection messages use it, so probing an id starts nothing (CONN-10).
   */
  running(actorId: string): Promise<ActorInstanceHost> | undefined {
    const slot = this.#slots.get(actorId);
    // An instance going to sleep holds no connection: nothing there to reach.
    if (this.#stopped || !slot || slot.transition) return undefined;
    return this.load(actorId);
  }

  /** Stops every loaded instance (host stop); sleeps in progress finish first. */
  async stopAll(): Promise<PromiseSettledResult<void>[]> {
    // Requests held by a sleep in progress must not start a new instance after this.
    this.#stopped = true;
    const slots = [...this.#slots.values()];
    this.#slots.clear();
    this.#handles.clear();
    return Promise.allSettled(
      slots.map(async (slot) => {
        await slot.transition;
        await (await slot.instance).stop();
      }),
    );
  }

  /** The running instance of `actorId`, started if needed, after any sleep in progress. */
  async #awake(actorId: string): Promise<ActorInstanceHost> {
    for (;;) {
      if (this.#stopped) {
        throw new ActorError("internal_error", "the local actor host is stopped");
      }
      const slot = this.#slots.get(actorId) ?? this.#startSlot(actorId);
      if (slot.transition) {
        await slot.transition;
        continue;
      }
      const instance = await slot.instance;
      if (slot.transition) {
        await slot.transition;
        continue;
      }
      return instance;
    }
  }

  /** The instance holding connections of `actorId` right now, without waking it. */
  async #current(actorId: string): Promise<ActorInstanceHost | undefined> {
    const slot = this.#slots.get(actorId);
    if (!slot || slot.transition) return undefined;
    return slot.instance.catch(() => undefined);
  }

  #startSlot(actorId: string): Slot {
    const slot: Slot = { instance: undefined as unknown as Promise<ActorInstanceHost> };
    const sleep = this.#o.sleep
      ? { onSleepStart: (slept: Promise<boolean>) => this.#onSleepStart(actorId, slot, slept) }
      : undefined;
    slot.instance = this.#o.start(actorId, sleep);
    this.#slots.set(actorId, slot);
    slot.instance.then(
      (instance) => {
        slot.started = instance;
      },
      () => {
        // Forget the failed start so the next caller retries (LIFE-3); waiters got the error.
        if (this.#slots.get(actorId) === slot) this.#slots.delete(actorId);
      },
    );
    return slot;
  }

  /** An instance began to sleep: hold requests until it slept (or stayed awake). */
  #onSleepStart(actorId: string, slot: Slot, slept: Promise<boolean>): void {
    slot.transition = (async () => {
      if (!(await slept)) return;
      try {
        await this.#o.actorDriver.onSleep?.(actorId);
      } catch (error) {
        console.error(`ActorDriver.onSleep(${actorId}) failed`, error);
      }
      // Dropped only now: loads until here wait on `transition`, so no instance starts
      // before the driver released what it held.
      if (this.#slots.get(actorId) === slot) {
        this.#slots.delete(actorId);
        // Handles hold nothing of the instance; a sleeping actor keeps no memory here.
        this.#handles.delete(actorId);
      }
    })().finally(() => {
      slot.transition = undefined;
    });
  }

  /**
   * Runs `fn` on the running instance, following the actor to its next instance when the one
   * it reached was going to sleep (SLEEP-6).
   */
  async #onAwake<T>(actorId: string, fn: (instance: ActorInstanceHost) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      const instance = await this.#awake(actorId);
      try {
        return await fn(instance);
      } catch (error) {
        if (!(error instanceof ActorAsleepError) || attempt >= MAX_WAKE_ATTEMPTS) throw error;
      }
    }
  }

  #handle(actorId: string, first: ActorInstanceHost): ActorInstanceHost {
    const awake = <T>(fn: (i: ActorInstanceHost) => Promise<T>) => this.#onAwake(actorId, fn);
    const holder = async (connectionId: string): Promise<ActorInstanceHost> => {
      const instance = await this.#current(actorId);
      if (instance) return instance;
      throw new ActorError(
        "conn_not_found",
        `actor ${actorId} has no connection ${JSON.stringify(connectionId)}`,
      );
    };
    const slots = this;
    return {
      actorId,
      name: first.name,
      key: first.key,
      region: first.region,
      runStatelessAction: (name, args, connect) =>
        awake((i) => i.runStatelessAction(name, args, connect)),
      connect: (request) => awake((i) => i.connect(request)),
      handleFetch: (request, authData) => awake((i) => i.handleFetch(request, authData)),
      handleWebSocket: (socket, request, authData) =>
        awake((i) => i.handleWebSocket(socket, request, authData)),
      onAlarm: () => awake((i) => i.onAlarm()),
      handleMessage(connectionId, message) {
        // The instance is running (the usual case): no promise hops to reach it.
        const slot = slots.#slots.get(actorId);
        const running = slot && !slot.transition ? slot.started : undefined;
        if (running) return running.handleMessage(connectionId, message);
        return holder(connectionId).then((instance) =>
          instance.handleMessage(connectionId, message),
        );
      },
      async closeConnection(connectionId) {
        return (await slots.#current(actorId))?.closeConnection(connectionId);
      },
      authorizeConnection(connectionId, token): HostConnection {
        const slot = slots.#slots.get(actorId);
        const instance = slot && !slot.transition ? slot.started : undefined;
        if (!instance) {
          throw new ActorError(
            "conn_not_found",
            `actor ${actorId} has no connection ${JSON.stringify(connectionId)}`,
          );
        }
        return instance.authorizeConnection(connectionId, token);
      },
      async stop() {
        const slot = slots.#slots.get(actorId);
        if (!slot) return;
        slots.#slots.delete(actorId);
        await slot.transition;
        const instance = await slot.instance.catch(() => undefined);
        await instance?.stop();
      },
    };
  }
}

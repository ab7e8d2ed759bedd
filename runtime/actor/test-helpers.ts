/**
 * Test doubles for the actor runtime's unit tests: a Map-backed ActorDriver that records writes
 * and alarms (and can hold writes open), a ConnectionTransport that records what it is sent, and
 * a helper that creates and starts an actor the way a driver would.
 */
import type { ActorDriver } from "../driver/actor-driver.ts";
import { decodeToClient, encodeToClient } from "../protocol/message-codec.ts";
import type { Encoding, ToClientMessage } from "../protocol/messages.ts";
import type { AnyActorDefinition } from "./definition.ts";
import type { ConnectionTransport, ConnectRequest } from "./host-interface.ts";
import { type ActorInstance, startActorInstance } from "./instance.ts";
import {
  createInitialPersistedData,
  decodePersistedData,
  type PersistedActor,
} from "./persistence.ts";

/** One log entry captured from an instance. */
export interface LogEntry {
  level: string;
  message: string;
  data?: Record<string, unknown>;
}

/** A deferred promise: resolve or reject it from outside. */
export interface Deferred<T = void> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Resolves when `check()` is true, polling each macrotask; rejects after `ms` naming `what`. */
export async function waitFor(check: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/**
 * A Map-backed ActorDriver. `holdWrites = true` parks each write until `releaseWrite()`;
 * `inFlight` counts writes not yet resolved and `maxInFlight` the most at once.
 */
export class TestActorDriver implements ActorDriver {
  readonly storage = new Map<string, Uint8Array>();
  readonly writes: { actorId: string; data: PersistedActor }[] = [];
  readonly alarms: { actorId: string; timestampMs: number }[] = [];
  holdWrites = false;
  inFlight = 0;
  maxInFlight = 0;
  failWrites: Error | undefined;
  context: unknown = undefined;
  readonly #parked: { done: () => void }[] = [];
  #writeListeners: (() => void)[] = [];

  async readPersistedData(actorId: string): Promise<Uint8Array | undefined> {
    return this.storage.get(actorId);
  }

  async writePersistedData(actorId: string, data: Uint8Array): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.holdWrites) {
        const gate = deferred();
        this.#parked.push({ done: () => gate.resolve() });
        this.#notify();
        await gate.promise;
      }
      if (this.failWrites) throw this.failWrites;
      this.storage.set(actorId, data.slice());
      this.writes.push({ actorId, data: decodePersistedData(data, actorId) });
    } finally {
      this.inFlight--;
      this.#notify();
    }
  }

  async setAlarm(actorId: string, timestampMs: number): Promise<void> {
    this.alarms.push({ actorId, timestampMs });
  }

  getContext(): unknown {
    return this.context;
  }

  /** Number of writes parked by `holdWrites`. */
  get parked(): number {
    return this.#parked.length;
  }

  /** Lets the oldest parked write complete. */
  releaseWrite(): void {
    const next = this.#parked.shift();
    if (!next) throw new Error("no parked write to release");
    next.done();
  }

  /** The decoded blob stored for `actorId`. */
  blob(actorId: string): PersistedActor {
    const bytes = this.storage.get(actorId);
    if (!bytes) throw new Error(`nothing stored for ${actorId}`);
    return decodePersistedData(bytes, actorId);
  }

  /** Resolves once `check()` holds after some write event (bounded). */
  async until(check: () => boolean, what: string, ms = 2000): Promise<void> {
    if (check()) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)),
        ms,
      );
      const listener = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.#writeListeners = this.#writeListeners.filter((l) => l !== listener);
        resolve();
      };
      this.#writeListeners.push(listener);
    });
  }

  #notify(): void {
    for (const listener of [...this.#writeListeners]) listener();
  }
}

/**
 * A transport that records messages after a real encode/decode round trip in its encoding, so
 * values the encoding cannot carry throw `serialization_error` as on a real transport.
 */
export class RecordingTransport implements ConnectionTransport {
  readonly messages: ToClientMessage[] = [];
  /** Payloads received through sendEncoded, by identity. */
  readonly encodedPayloads: (string | Uint8Array)[] = [];
  closedWith: string | undefined | null = null;
  sendEncoded?: (payload: string | Uint8Array) => void;

  constructor(
    readonly encoding: Encoding = "json",
    readonly kind: "websocket" | "sse" | "http" = "websocket",
    options: { encodedSends?: boolean } = {},
  ) {
    if (options.encodedSends) {
      this.sendEncoded = (payload) => {
        if (this.closedWith !== null) return;
        this.encodedPayloads.push(payload);
        this.messages.push(decodeToClient(payload, this.encoding));
      };
    }
  }

  send(message: ToClientMessage): void {
    const payload = encodeToClient(message, this.encoding);
    if (this.closedWith !== null) return;
    this.messages.push(decodeToClient(payload, this.encoding));
  }

  close(reason?: string): void {
    if (this.closedWith === null) this.closedWith = reason;
  }

  /** Messages of one type. */
  ofType<T extends ToClientMessage["type"]>(type: T): Extract<ToClientMessage, { type: T }>[] {
    return this.messages.filter((m) => m.type === type) as Extract<ToClientMessage, { type: T }>[];
  }
}

/** A ConnectRequest over `transport`. `headers` are set on its request. */
export function connectRequest(
  transport: ConnectionTransport,
  options: { params?: unknown; authData?: unknown; headers?: Record<string, string> } = {},
): ConnectRequest {
  return {
    params: options.params,
    authData: options.authData,
    request: new Request("http://actor/connect/websocket", { headers: options.headers }),
    transport,
  };
}

/** The stateless-action request shape. */
export function statelessRequest(
  options: { params?: unknown; headers?: Record<string, string> } = {},
) {
  return {
    params: options.params,
    authData: undefined,
    request: new Request("http://actor/action/x", { method: "POST", headers: options.headers }),
  };
}

let nextId = 0;

/** A started actor plus what the test needs to inspect it; call `stop()` in a finally. */
export interface TestActor {
  instance: ActorInstance;
  driver: TestActorDriver;
  actorId: string;
  logs: LogEntry[];
  /** Starts another instance of the same actor on the same storage (a restart). */
  restart(): Promise<ActorInstance>;
  stop(): Promise<void>;
}

/**
 * Stores the initial blob for a new actor (what createActor does, MGR-6) and starts it.
 * The instance logs into `logs` instead of stderr.
 */
export async function createTestActor(
  definition: AnyActorDefinition,
  options: {
    input?: unknown;
    driver?: TestActorDriver;
    name?: string;
    key?: string[];
    createClient?: () => unknown;
  } = {},
): Promise<TestActor> {
  const driver = options.driver ?? new TestActorDriver();
  const actorId = `actor-${++nextId}`;
  driver.storage.set(actorId, createInitialPersistedData(options.input));
  const logs: LogEntry[] = [];
  const instances: ActorInstance[] = [];
  const start = async () => {
    const instance = await startActorInstance({
      definition,
      actorId,
      name: options.name ?? "test",
      key: options.key ?? ["k"],
      region: "local",
      actorDriver: driver,
      createClient: options.createClient ?? (() => undefined),
      log: (level, message, data) => logs.push({ level, message, data }),
    });
    instances.push(instance);
    return instance;
  };
  const instance = await start();
  return {
    instance,
    driver,
    actorId,
    logs,
    restart: start,
    stop: async () => {
      await Promise.all(instances.map((i) => i.stop()));
    },
  };
}

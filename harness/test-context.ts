/**
 * The context each test body gets: a fresh driver start (its own temp data dir and namespace),
 * the manager served on 127.0.0.1, a client for the test's cell, bounded waits, disposers, and
 * restart for durable drivers. Everything is torn down after the test, pass or fail.
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ExpectStatic } from "vitest";
import type { ClientDriver } from "../runtime/client/index.ts";
import type {
  DriverCapabilities,
  DriverDefinition,
  DriverInstance,
  DriverStartContext,
  ManagerDriver,
} from "../runtime/driver/index.ts";
import { resolveCapabilities } from "../runtime/driver/index.ts";
import { withTimeout } from "./errors.ts";
import type { FixtureRegistry } from "./fixtures/registry.ts";
import type { PlannedCase } from "./matrix.ts";
import { type LeakCount, ResourceTracker } from "./resource-tracker.ts";
import { TEMP_ROOT_ENV } from "./run/temp-root.ts";
import {
  FIXTURE_REGISTRY_MODULE,
  type HarnessClient,
  type RuntimeBindings,
  type ServedManager,
} from "./runtime-bindings.ts";
import type { Cell } from "./suite-api.ts";
import { createTransportDrops } from "./transport-drops.ts";

/** Default bound of `t.step()`, in ms. */
export const DEFAULT_STEP_TIMEOUT_MS = 5_000;
/** Bound of `start(ctx)` and `restart()`, in ms. */
export const START_TIMEOUT_MS = 10_000;
/** Bound of each teardown step (stop, server close, client dispose), in ms. */
export const TEARDOWN_TIMEOUT_MS = 5_000;

/** What a test body receives. Accessors of things its `setup` did not prepare throw a TypeError. */
export interface TestContext {
  /** The test id, cell suffix included. */
  readonly id: string;
  readonly cell: Cell;
  /** The driver's manifest, frozen. */
  readonly capabilities: Readonly<Required<DriverCapabilities>>;
  /** The driver definition under test (not started by the context when setup is "none"). */
  readonly definition: DriverDefinition;
  /** The started driver. Its `stop()` may be called by the test; teardown then skips it. */
  readonly driver: DriverInstance;
  /** The started driver's manager (changes after `restart()`). */
  readonly manager: ManagerDriver;
  /** The fixture registry the driver hosts. */
  readonly registry: FixtureRegistry;
  /** Base URL of the manager router served for this test (setup "full"). */
  readonly endpoint: string;
  /** A client for this cell: http over `endpoint`, or inline over `manager` (setup "full"). */
  readonly client: HarnessClient;
  /** vitest's `expect` bound to this test (safe when tests run concurrently). */
  readonly expect: ExpectStatic;
  /** This start's data directory and namespace. */
  readonly dataDir: string;
  readonly namespace: string;
  /**
   * This test's seed (0..2^32-1), derived from the run's `--seed` and the test id: generated
   * inputs (fast-check, kill moments) come from it, so a run replays exactly.
   */
  readonly seed: number;
  /**
   * Absolute path of the driver module under test, for tests that start the driver in another
   * process (the crash suite). Undefined when the run was given a definition, not a module.
   */
  readonly driverModule: string | undefined;
  /** A key unique within the run: `[<label>-<n>-<random>]`. */
  uniqueKey(label?: string): string[];
  /**
   * Awaits `promise` at most `ms` (default 5,000) ms; rejects with HarnessTimeoutError
   * "driver did not answer <what> within <ms> ms" (status "timeout").
   */
  step<T>(what: string, promise: Promise<T>, ms?: number): Promise<T>;
  /** Registers a disposer run after the test, pass or fail, newest first. */
  defer(fn: () => unknown): void;
  /**
   * Durable drivers: closes the clients and the server, restarts the driver, serves the new
   * manager and makes a new `client`; handles from before are stale. Without `downMs` it calls
   * the instance's `restart()` (RESTART-1); with it, a cold restart: `stop()`, nothing running
   * for `downMs` ms, then `start(ctx)` again on the same data dir and namespace.
   */
  restart(options?: RestartOptions): Promise<void>;
  /** Another client (default: this cell's options), disposed by the harness after the test. */
  newClient(options?: Partial<Cell>): HarnessClient;
  /**
   * Starts the driver once more on this test's data directory under `namespace` (MGR-9), bounded
   * like `start`; the instance is stopped after the test (its `stop()` may be called first).
   * Throws a TypeError under setup "none".
   */
  startSibling(namespace: string): Promise<DriverInstance>;
  /**
   * Ends every connection transport (connection WebSocket, connection event stream) the test's
   * clients opened, from below the client, as a network failure would; resolves how many.
   * Connections see a drop, not a kick, and reconnect (CONN-11).
   */
  dropTransports(): number;
  /** Tracks a socket the test opened itself, so it is closed and counted if left open. */
  trackSocket<
    T extends { close(code?: number, reason?: string): void; readonly readyState: number },
  >(socket: T): T;
}

/** Options of `t.restart()`. */
export interface RestartOptions {
  /** Keep the driver stopped this long (ms) before starting it again on the same storage. */
  downMs?: number;
}

/** What teardown found: resources left open and errors from closing things. */
export interface TeardownReport {
  leaks: LeakCount[];
  errors: unknown[];
}

/** Inputs of one test context. */
export interface ContextOptions {
  planned: PlannedCase;
  definition: DriverDefinition;
  bindings: () => Promise<RuntimeBindings>;
  expect: ExpectStatic;
  /** This test's seed (harness/seed.ts `caseSeed`). */
  seed: number;
  /** Absolute path of the driver module, when known. */
  driverModule?: string;
}

/** A namespace unique to one driver start: `dc-<12 hex>`. */
export function newNamespace(): string {
  return `dc-${randomUUID().slice(0, 12)}`;
}

/** The `ctx` handed to `start(ctx)`: the fixture registry, runtime helpers, storage and namespace. */
export function driverStartContext(
  bindings: RuntimeBindings,
  dataDir: string,
  namespace: string,
): DriverStartContext {
  return {
    get registry() {
      return bindings.registry();
    },
    get runtime() {
      return bindings.helpers();
    },
    registryModule: FIXTURE_REGISTRY_MODULE,
    dataDir,
    namespace,
  };
}

/**
 * Checks what `start(ctx)` (or `restart()`) resolved to. Throws a TypeError naming the driver
 * unless it is `{ manager, stop(), restart?() }`.
 */
export function checkStarted(
  definition: DriverDefinition,
  started: unknown,
): asserts started is DriverInstance {
  const instance = started as Partial<DriverInstance> | null | undefined;
  if (
    typeof instance?.stop !== "function" ||
    typeof instance?.manager !== "object" ||
    instance.manager === null
  ) {
    throw new TypeError(
      `driver "${definition.name}": start(ctx) must resolve to { manager, stop(), restart?() }`,
    );
  }
}

function unavailable(id: string, what: string, setup: string): never {
  throw new TypeError(`t.${what} is not available: test ${id} declares setup "${setup}"`);
}

/** The context of one test; `setup()` before the body, `teardown()` after it, always. */
export class CaseContext implements TestContext {
  readonly id: string;
  readonly cell: Cell;
  readonly definition: DriverDefinition;
  readonly expect: ExpectStatic;
  readonly seed: number;
  readonly driverModule: string | undefined;
  readonly #options: ContextOptions;
  readonly #tracker = new ResourceTracker();
  readonly #disposers: Array<() => unknown> = [];
  readonly #drops = createTransportDrops();
  #bindings: RuntimeBindings | undefined;
  #instance: DriverInstance | undefined;
  #stopped: Promise<void> | undefined;
  #server: ServedManager | undefined;
  #client: HarnessClient | undefined;
  #dataDir: string | undefined;
  #namespace = newNamespace();
  #keys = 0;
  /** Steps in flight by number, for the message when the whole test runs out of time. */
  readonly #pending = new Map<number, string>();
  #steps = 0;
  /** The first step whose promise rejected or ran out of time. */
  #failedStep: string | undefined;
  /** The step started last. */
  #lastStep: string | undefined;

  constructor(options: ContextOptions) {
    this.#options = options;
    this.id = options.planned.id;
    this.cell = options.planned.cell;
    this.definition = options.definition;
    this.expect = options.expect;
    this.seed = options.seed;
    this.driverModule = options.driverModule;
  }

  /** The manifest, optional flags filled in with their defaults (`sleep` absent is true). */
  get capabilities(): Readonly<Required<DriverCapabilities>> {
    return resolveCapabilities(this.definition.capabilities);
  }
  get #setup() {
    return this.#options.planned.test.setup;
  }
  get driver(): DriverInstance {
    const instance = this.#instance ?? unavailable(this.id, "driver", this.#setup);
    const view: DriverInstance = { manager: instance.manager, stop: () => this.#stop() };
    // The PERSIST-5 test hook passes through, bound to the live instance.
    if (instance.damagePersistedData) {
      view.damagePersistedData = (actorId) => instance.damagePersistedData!(actorId);
    }
    // The DIST test hooks pass through too (capability distributed).
    if (instance.distributed) view.distributed = instance.distributed;
    // So does the PERSIST-9 one.
    if (instance.failPersistedWrites) {
      view.failPersistedWrites = (actorId, fail) => instance.failPersistedWrites!(actorId, fail);
    }
    return view;
  }
  get manager(): ManagerDriver {
    return (this.#instance ?? unavailable(this.id, "manager", this.#setup)).manager;
  }
  get registry(): FixtureRegistry {
    return (this.#bindings ?? unavailable(this.id, "registry", this.#setup)).registry();
  }
  get endpoint(): string {
    return (this.#server ?? unavailable(this.id, "endpoint", this.#setup)).endpoint;
  }
  get client(): HarnessClient {
    return this.#client ?? unavailable(this.id, "client", this.#setup);
  }
  get dataDir(): string {
    return this.#dataDir ?? unavailable(this.id, "dataDir", this.#setup);
  }
  get namespace(): string {
    return this.#namespace;
  }

  uniqueKey(label = "key"): string[] {
    this.#keys += 1;
    return [`${label}-${this.#keys}-${randomUUID().slice(0, 8)}`];
  }

  async step<T>(what: string, promise: Promise<T>, ms = DEFAULT_STEP_TIMEOUT_MS): Promise<T> {
    const id = ++this.#steps;
    this.#pending.set(id, what);
    this.#lastStep = what;
    try {
      return await withTimeout(what, promise, ms);
    } catch (error) {
      this.#failedStep ??= what;
      throw error;
    } finally {
      this.#pending.delete(id);
    }
  }

  /**
   * For a failure report: the step that failed (rejected or ran out of time), else the steps
   * still pending, else `after <the last step started>`; undefined for a test without steps.
   */
  failureStep(): string | undefined {
    if (this.#failedStep) return this.#failedStep;
    const pending = this.pendingSteps();
    if (pending.length > 0) return pending.join(", ");
    return this.#lastStep ? `after ${this.#lastStep}` : undefined;
  }

  /** Names of the steps in flight, oldest first, for a whole-test timeout message. */
  pendingSteps(): string[] {
    return [...this.#pending.values()];
  }

  defer(fn: () => unknown): void {
    this.#disposers.push(fn);
  }

  newClient(options: Partial<Cell> = {}): HarnessClient {
    const cell = { ...this.cell, ...options };
    const bindings = this.#bindings ?? unavailable(this.id, "newClient", this.#setup);
    const target = { endpoint: this.endpoint, manager: this.manager };
    const client = bindings.createClient(cell.client, target, {
      encoding: cell.encoding,
      transport: cell.transport,
      wrapDriver: (driver) => this.#drops.wrap(driver),
    });
    return this.#tracker.trackClient(client, true);
  }

  trackSocket<
    T extends { close(code?: number, reason?: string): void; readonly readyState: number },
  >(socket: T): T {
    return this.#tracker.trackWebSocket(socket);
  }

  async startSibling(namespace: string): Promise<DriverInstance> {
    const bindings = this.#bindings ?? unavailable(this.id, "startSibling", this.#setup);
    const ctx = driverStartContext(bindings, this.dataDir, namespace);
    const started = await this.step(
      `start with namespace ${JSON.stringify(namespace)}`,
      Promise.resolve().then(() => this.definition.start(ctx)),
      START_TIMEOUT_MS,
    );
    checkStarted(this.definition, started);
    let stopped: Promise<void> | undefined;
    const stop = () => (stopped ??= Promise.resolve().then(() => started.stop()));
    this.defer(stop);
    return { manager: started.manager, stop };
  }

  dropTransports(): number {
    return this.#drops.drop();
  }

  async restart(options: RestartOptions = {}): Promise<void> {
    const instance = this.#instance ?? unavailable(this.id, "restart", this.#setup);
    await this.#closeClientsAndServer();
    if (options.downMs !== undefined) {
      // A cold restart: the old instance is stopped and nothing runs until the new start.
      await this.step("stop", this.#stop(), TEARDOWN_TIMEOUT_MS);
      await new Promise((resolve) => setTimeout(resolve, options.downMs));
      this.#instance = undefined;
      this.#stopped = undefined;
      await this.#start();
    } else {
      if (typeof instance.restart !== "function") {
        throw new TypeError(
          `driver "${this.definition.name}" has no restart() on its started instance (needed by capability durable, RESTART-1)`,
        );
      }
      this.#instance = await this.step(
        "restart",
        Promise.resolve(instance.restart()),
        START_TIMEOUT_MS,
      );
    }
    if (this.#setup === "full") await this.#serveAndConnect();
  }

  /** Starts what the test's setup asks for; throws (timeout or driver error) on failure. */
  async setup(): Promise<void> {
    if (this.#setup === "none") return;
    this.#bindings = await this.#options.bindings();
    // Inside the run's temp directory when `driver-cert run` set one (harness/run/temp-root.ts).
    const parent = process.env[TEMP_ROOT_ENV] || tmpdir();
    this.#dataDir = await mkdtemp(join(parent, "driver-cert-"));
    await this.#start();
    if (this.#setup === "full") await this.#serveAndConnect();
  }

  /** Runs disposers, counts what was left open, closes everything and stops the driver. */
  async teardown(): Promise<TeardownReport> {
    const errors: unknown[] = [];
    const attempt = async (what: string, fn: () => unknown) => {
      try {
        await withTimeout(what, Promise.resolve().then(fn), TEARDOWN_TIMEOUT_MS);
      } catch (error) {
        errors.push(error);
      }
    };
    for (const fn of this.#disposers.splice(0).reverse())
      await attempt("a disposer registered with t.defer()", fn);
    const leaks = this.#tracker.openCounts();
    errors.push(...(await this.#tracker.closeAll()));
    await this.#closeClientsAndServer(attempt);
    if (this.#instance) await attempt("stop", () => this.#stop());
    if (this.#dataDir)
      await rm(this.#dataDir, { recursive: true, force: true }).catch((e) => errors.push(e));
    return { leaks, errors };
  }

  /** Calls `start(ctx)` with this test's data dir and namespace (again, for a cold restart). */
  async #start(): Promise<void> {
    const ctx = driverStartContext(this.#bindings!, this.#dataDir!, this.#namespace);
    const started = await this.step(
      "start",
      Promise.resolve().then(() => this.definition.start(ctx)),
      START_TIMEOUT_MS,
    );
    checkStarted(this.definition, started);
    this.#instance = started;
  }

  #stop(): Promise<void> {
    const instance = this.#instance;
    this.#stopped ??= instance ? Promise.resolve().then(() => instance.stop()) : Promise.resolve();
    return this.#stopped;
  }

  async #serveAndConnect(): Promise<void> {
    const bindings = this.#bindings!;
    const manager = this.#instance!.manager;
    this.#server = await this.step(
      "serveManager",
      bindings.serveManager(manager),
      START_TIMEOUT_MS,
    );
    const options = {
      encoding: this.cell.encoding,
      transport: this.cell.transport,
      wrapDriver: (driver: ClientDriver) => this.#drops.wrap(driver),
    };
    const client = bindings.createClient(
      this.cell.client,
      { endpoint: this.#server.endpoint, manager },
      options,
    );
    this.#client = this.#tracker.trackClient(client);
  }

  async #closeClientsAndServer(
    attempt: (what: string, fn: () => unknown) => Promise<void> = async (what, fn) => {
      await withTimeout(what, Promise.resolve().then(fn), TEARDOWN_TIMEOUT_MS);
    },
  ): Promise<void> {
    await this.#tracker.closeAll();
    const client = this.#client as { dispose?: () => unknown } | undefined;
    this.#client = undefined;
    if (client?.dispose) await attempt("client.dispose", () => client.dispose?.());
    const server = this.#server;
    this.#server = undefined;
    if (server) await attempt("server close", () => server.close());
  }
}

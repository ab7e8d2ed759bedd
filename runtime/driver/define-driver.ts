/**
 * defineDriver(): the module contract a driver author exports. `driver-cert run` validates the
 * default export against `driverModuleSchema` before any test runs (clause DRV-1).
 */
import { z } from "zod";
import type { Registry } from "../actor/registry.ts";
import type { ActorDriver } from "./actor-driver.ts";
import type { LocalActorHost, LocalActorHostOptions } from "./local-actor-host.ts";
import type { ManagerDriver } from "./manager-driver.ts";

/** The contract version this toolkit certifies. A module declaring another is refused (DRV-2). */
export const CONTRACT_VERSION = 1;

/**
 * What a driver supports. The closed list of capability names; a test that needs a capability
 * the manifest lacks is reported "unsupported" with the reason, never passed (DRV-3).
 */
export interface DriverCapabilities {
  /** openWebSocket/proxyWebSocket work: connections over WebSocket and raw WebSockets. */
  websocket: boolean;
  /** sendRequest/proxyRequest stream response bodies: connections over SSE. */
  sse: boolean;
  /** setAlarm fires: c.schedule works. */
  schedule: boolean;
  /** State, keys, ids and alarms survive `restart()`; requires the `restart` hook. */
  durable: boolean;
  /**
   * Idle actors sleep and wake (the SLEEP clauses): their instances are unloaded and started
   * again on the next request or alarm. Optional; absent means true, since every driver built
   * on `createLocalActorHost` gets sleep. A driver that cannot unload actors declares `false`,
   * and the sleep tests are then unsupported.
   */
  sleep?: boolean;
  /**
   * Actors run in several node processes coordinated by shared storage; requires the
   * `distributed` test hooks on the started instance (DIST clauses). Optional: absent means
   * false, so manifests written before the flag existed stay valid.
   */
  distributed?: boolean;
}

export const CAPABILITY_NAMES = [
  "websocket",
  "sse",
  "schedule",
  "durable",
  "sleep",
  "distributed",
] as const;
export type CapabilityName = (typeof CAPABILITY_NAMES)[number];

/** Capabilities an absent flag grants (contract version 1 modules written before the flag). */
const CAPABILITY_DEFAULTS: Readonly<Partial<Record<CapabilityName, boolean>>> = Object.freeze({
  sleep: true,
});

/**
 * The manifest with every optional flag filled in with its default (`sleep` absent is true):
 * what the harness plans a run with.
 */
export function resolveCapabilities(
  capabilities: DriverCapabilities,
): Readonly<Required<DriverCapabilities>> {
  const resolved = { ...capabilities } as Record<CapabilityName, boolean>;
  for (const name of CAPABILITY_NAMES) {
    if (resolved[name] === undefined) resolved[name] = CAPABILITY_DEFAULTS[name] ?? false;
  }
  return Object.freeze(resolved);
}

/** Helpers the runtime hands to `start(ctx)`; a driver may use them or bring its own. */
export interface DriverRuntimeHelpers {
  /** Keeps actor instances and their routers in process and routes to them (no network hop). */
  createLocalActorHost(options: LocalActorHostOptions): LocalActorHost;
  /** The bytes createActor must store for a new actor created with `input` (MGR-6). */
  createInitialPersistedData(input: unknown): Uint8Array;
}

/** What `start(ctx)` receives. */
export interface DriverStartContext {
  /** The actor definitions to host. */
  registry: Registry;
  /**
   * An absolute `file:` URL of an ES module whose default export is the same registry as
   * `registry`. A driver that hosts actors outside this process (child processes, workers,
   * another runtime) imports it there. A `.ts` registry loads in a Node child started with
   * `node --import tsx` (the `tsx` loader this toolkit depends on); bundlers take the URL's path.
   * driver-cert always sets it; a program that starts a driver by hand with a registry that has
   * no module of its own may leave it out, and a driver that needs it then throws naming it.
   */
  registryModule?: string;
  /** A directory this run may use for storage, created and empty unless restarting. */
  dataDir: string;
  /** A namespace unique to this run, for drivers backed by shared external storage. */
  namespace: string;
  runtime: DriverRuntimeHelpers;
}

/** A started driver. */
export interface DriverInstance {
  manager: ManagerDriver;
  /** Stops every actor and releases every resource; the run's sockets and timers end (DRV-4). */
  stop(): Promise<void>;
  /**
   * Durable drivers only: drops everything held in memory and starts again from durable storage,
   * resolving to the new instance (its manager answers for the same actor ids) (RESTART-1).
   */
  restart?(): Promise<DriverInstance>;
  /**
   * Durable drivers only, a test hook: damages the stored bytes of `actorId` the way a torn write
   * or a disk fault would (for example, truncates its record), without touching other actors.
   * The suite then restarts the driver and expects `persisted_data_corrupt` for that actor alone
   * (PERSIST-5). Never called outside certification.
   */
  damagePersistedData?(actorId: string): Promise<void>;
  /**
   * Distributed drivers only (capability `distributed`): test hooks to list, kill, pause and
   * start the driver's node processes (DIST clauses). Never called outside certification.
   */
  distributed?: DistributedTestHooks;
  /**
   * Durable drivers only, a test hook: with `fail` true, the storage of `actorId` refuses writes
   * the way a full or read-only disk would, so `writePersistedData(actorId, ...)` rejects; with
   * `fail` false it writes again. Other actors are untouched. The suite checks that a rejected
   * write leaves the bytes stored before it in place (PERSIST-9). Never called outside
   * certification.
   */
  failPersistedWrites?(actorId: string, fail: boolean): Promise<void>;
}

/** One node process of a distributed driver, as its test hooks report it. */
export interface DriverNode {
  /** The driver's stable name for the node, unique within one start. */
  nodeId: string;
  /** The operating-system process id. */
  pid: number;
  /** True while the node serves this start; false once it was stopped, killed or exited. */
  alive: boolean;
}

/**
 * Test hooks a distributed driver's started instance carries as `distributed`, in the spirit of
 * `damagePersistedData`: the harness never reaches into the driver otherwise. Every method
 * rejects with a TypeError naming an unknown node id. Clauses: DIST-1..DIST-12, DRV-4.
 */
export interface DistributedTestHooks {
  /**
   * The driver's stated failover bound, in ms: after an owner is killed its actors answer from
   * another node within this (lease time plus slack, DIST-6).
   */
  readonly failoverBoundMs: number;
  /** Every node this start launched, killed ones included (alive false), in start order. */
  listNodes(): Promise<DriverNode[]>;
  /** The node that holds the actor's lease now, or undefined when no node owns it. */
  ownerOf(actorId: string): Promise<string | undefined>;
  /**
   * Sends SIGKILL to the node and resolves once its process has exited. A driver may refuse
   * (TypeError) nodes whose process also serves other starts; nodes from `startNode()` are
   * always this start's alone.
   */
  killNode(nodeId: string): Promise<void>;
  /**
   * Sends SIGSTOP to the node and resolves once sent; SIGCONT follows after `ms` (ms), or at
   * `stop()`, whichever is first. The process keeps its sockets but runs nothing meanwhile.
   * Refused like `killNode` for shared processes.
   */
  pauseNode(nodeId: string, ms: number): Promise<void>;
  /**
   * Starts one more node in a process of its own, for this start alone, and resolves once it
   * serves and has joined the membership.
   */
  startNode(): Promise<DriverNode>;
  /** Stops the node gracefully: final saves, leases released, then the process exits. */
  stopNode(nodeId: string): Promise<void>;
  /**
   * A ManagerDriver whose every call enters through node `nodeId`: lookups run in that node
   * and requests and sockets are routed onward by it (location transparency, DIST-3).
   */
  managerVia(nodeId: string): ManagerDriver;
  /**
   * Closes every connection this start holds to its coordinator (for Redis, `CLIENT KILL`),
   * as a network fault would; resolves to how many were closed (DIST-12).
   */
  dropCoordinatorConnections(): Promise<number>;
}

/** The definition a driver module exports as default. */
export interface DriverDefinition {
  name: string;
  contractVersion: number;
  capabilities: DriverCapabilities;
  start(ctx: DriverStartContext): Promise<DriverInstance> | DriverInstance;
}

/** The zod schema `driver-cert run` checks a module's default export against (DRV-1). */
export const driverDefinitionSchema = z.object({
  name: z.string().min(1),
  contractVersion: z.literal(CONTRACT_VERSION),
  capabilities: z
    .object({
      websocket: z.boolean(),
      sse: z.boolean(),
      schedule: z.boolean(),
      durable: z.boolean(),
      sleep: z.boolean().optional(),
      distributed: z.boolean().optional(),
    })
    .strict(),
  start: z.custom<DriverDefinition["start"]>((v) => typeof v === "function", {
    message: "expected a function start(ctx)",
  }),
});

/**
 * Declares a driver. Returns the definition frozen, after validating it; throws a TypeError
 * naming the bad member and the supported contract version. The TypeError carries the refused
 * value as `definition` (non-enumerable), so a loader can describe it member by member.
 *
 * @example
 * export default defineDriver({ name: "memory", contractVersion: 1,
 *   capabilities: { websocket: true, sse: true, schedule: true, durable: false },
 *   start: (ctx) => startMemoryDriver(ctx) });
 */
export function defineDriver(definition: DriverDefinition): DriverDefinition {
  const parsed = driverDefinitionSchema.safeParse(definition);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    const error = new TypeError(
      `defineDriver: invalid driver definition (${issues}); this toolkit supports contract version ${CONTRACT_VERSION}`,
    );
    Object.defineProperty(error, "definition", { value: definition });
    throw error;
  }
  return Object.freeze({
    ...definition,
    capabilities: Object.freeze({ ...definition.capabilities }),
  });
}

export type { ActorDriver };

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
}

export const CAPABILITY_NAMES = ["websocket", "sse", "schedule", "durable"] as const;
export type CapabilityName = (typeof CAPABILITY_NAMES)[number];

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
   * Durable drivers only, a test hook: with `fail` true, the storage of `actorId` refuses writes
   * the way a full or read-only disk would, so `writePersistedData(actorId, ...)` rejects; with
   * `fail` false it writes again. Other actors are untouched. The suite checks that a rejected
   * write leaves the bytes stored before it in place (PERSIST-9). Never called outside
   * certification.
   */
  failPersistedWrites?(actorId: string, fail: boolean): Promise<void>;
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

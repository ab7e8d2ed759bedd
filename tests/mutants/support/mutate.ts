/**
 * Mutant drivers: a reference driver (memory or file-system) started unchanged except for one
 * wrapper that breaks one rule of docs/CONTRACT.md. The wrapper can replace the ActorDriver the
 * base hands to the runtime's local actor host (storage, alarms), the host's actor metadata,
 * the host as the base sees it (alarms it fires), the started ManagerDriver (lookup and
 * routing), or the started instance (stop, restart).
 * Actor-to-actor calls (`c.client()`) go through the mutated manager too.
 */

import fileSystemDriver, {
  startFileSystemDriver,
} from "../../../reference-drivers/file-system/index.ts";
import memoryDriver, { startMemoryDriver } from "../../../reference-drivers/memory/index.ts";
import {
  type ActorDriver,
  type ActorOutput,
  type DriverCapabilities,
  type DriverDefinition,
  type DriverInstance,
  type DriverRuntimeHelpers,
  type DriverStartContext,
  defineDriver,
  type LocalActorHost,
  type LocalActorHostOptions,
  type ManagerDriver,
} from "../../../runtime/driver/index.ts";

/** What a mutant module exports as `mutant`: the rule it breaks and where to look for it. */
export interface MutantSpec {
  /** The clause of docs/CONTRACT.md the mutant breaks; a rejecting test must cite it. */
  clause: string;
  /** One sentence: what the mutant does wrong. */
  description: string;
  /** Suites to run against it (keeps the mutant run short); they must contain a test of `clause`. */
  suites: string[];
  /** Optional `--grep` regex narrowing the run further. */
  grep?: string;
  /** Optional `--transport` filter, for mutants of one transport's path. */
  transport?: "websocket" | "sse";
  /** `timeout`: the rejecting test must time out (a driver that answers too late). Default any. */
  expectStatus?: "timeout";
  /** `load`: the loader refuses the module before any test runs (exit 2, naming the member). */
  rejectedAt?: "load";
  /** With `rejectedAt: "load"`: text the loader's one-line message must contain. */
  loadMessage?: string;
}

/** Which reference driver a mutant wraps. */
export type MutantBase = "memory" | "file-system";

/** What each wrapper sees of one start of the mutant. */
export interface MutantEnv {
  readonly ctx: DriverStartContext;
  /** The host the base built in this start (set once the base called createLocalActorHost). */
  readonly host?: LocalActorHost;
  /** What the base passed to createLocalActorHost, wrappers applied (set with `host`). */
  readonly hostOptions?: LocalActorHostOptions;
}

/** The wrappers a mutant may install; each is called once per start (restart included). */
export interface Mutation {
  /** The start context the base driver gets (e.g. without its namespace). */
  context?(ctx: DriverStartContext): DriverStartContext;
  actorDriver?(inner: ActorDriver, env: MutantEnv): ActorDriver;
  metadata?(
    inner: (actorId: string) => Promise<ActorOutput | undefined>,
    env: MutantEnv,
  ): (actorId: string) => Promise<ActorOutput | undefined>;
  manager?(inner: ManagerDriver, env: MutantEnv): ManagerDriver;
  /** The local actor host as the base driver sees it (alarms it fires, routing it asks for). */
  host?(inner: LocalActorHost, env: MutantEnv): LocalActorHost;
  instance?(inner: DriverInstance, env: MutantEnv): DriverInstance;
}

const BASES = {
  memory: { start: startMemoryDriver, capabilities: memoryDriver.capabilities },
  "file-system": { start: startFileSystemDriver, capabilities: fileSystemDriver.capabilities },
} as const;

/**
 * A driver definition: `base` with `mutation` installed. `capabilities` overrides the base's
 * manifest (for mutants that lie about a capability, DRV-3).
 *
 * @example
 * export default mutantDriver("mgr-get-with-key-creates", "memory", {
 *   manager: (inner) => ({ ...inner, getWithKey: (i) => inner.getOrCreateWithKey(i) }),
 * });
 */
export function mutantDriver(
  name: string,
  base: MutantBase,
  mutation: Mutation,
  capabilities?: Partial<DriverCapabilities>,
): DriverDefinition {
  const { start, capabilities: baseCapabilities } = BASES[base];
  return defineDriver({
    name: `mutant-${name}`,
    contractVersion: 1,
    capabilities: { ...baseCapabilities, ...capabilities },
    async start(ctx) {
      const env: {
        ctx: DriverStartContext;
        host?: LocalActorHost;
        hostOptions?: LocalActorHostOptions;
        manager?: ManagerDriver;
      } = { ctx };
      const runtime: DriverRuntimeHelpers = {
        createInitialPersistedData: (input) => ctx.runtime.createInitialPersistedData(input),
        createLocalActorHost: (options) => {
          const hostOptions: LocalActorHostOptions = {
            ...options,
            actorDriver: mutation.actorDriver?.(options.actorDriver, env) ?? options.actorDriver,
            getActorMetadata:
              mutation.metadata?.(options.getActorMetadata, env) ?? options.getActorMetadata,
            managerDriver: () => env.manager ?? options.managerDriver(),
          };
          const host = ctx.runtime.createLocalActorHost(hostOptions);
          env.host = host;
          env.hostOptions = hostOptions;
          return mutation.host?.(host, env) ?? host;
        },
      };
      const wrap = (instance: DriverInstance): DriverInstance => {
        env.manager = mutation.manager?.(instance.manager, env) ?? instance.manager;
        const wrapped: DriverInstance = { manager: env.manager, stop: () => instance.stop() };
        const restart = instance.restart;
        if (restart) wrapped.restart = async () => wrap(await restart.call(instance));
        const damage = instance.damagePersistedData;
        if (damage) wrapped.damagePersistedData = (actorId) => damage.call(instance, actorId);
        const fault = instance.failPersistedWrites;
        if (fault)
          wrapped.failPersistedWrites = (actorId, fail) => fault.call(instance, actorId, fail);
        return mutation.instance?.(wrapped, env) ?? wrapped;
      };
      const base = mutation.context?.({ ...ctx, runtime }) ?? { ...ctx, runtime };
      return wrap(await start(base));
    },
  });
}

/** Resolves after `ms` milliseconds (unref'd: a mutant's delay never holds the process). */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

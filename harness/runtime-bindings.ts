/**
 * The runtime pieces a test context uses (fixture registry, driver helpers, clients, the Node
 * server for the manager router), loaded once per process on first use. A piece that fails to
 * load fails only the tests that need it, with a `harness_broken` error naming the module.
 */
import type { Client, ClientDriver } from "../runtime/client/index.ts";
import type { DriverRuntimeHelpers, ManagerDriver } from "../runtime/driver/index.ts";
import type { Encoding, Transport } from "../runtime/protocol/index.ts";
import { HarnessError } from "./errors.ts";
import type { FixtureRegistry } from "./fixtures/registry.ts";
import { packageModuleUrl } from "./package-info.ts";

/** Options every harness-made client gets. */
export interface ClientCellOptions {
  encoding: Encoding;
  transport: Transport;
  /** Wraps the client's driver (the harness remembers connection transports to drop them). */
  wrapDriver?: (driver: ClientDriver) => ClientDriver;
}

/** The manager router listening on 127.0.0.1. */
export interface ServedManager {
  /** Base URL, e.g. `http://127.0.0.1:53127`. */
  readonly endpoint: string;
  /** Stops listening and closes every open socket. */
  close(): Promise<void>;
}

type ClientModule = typeof import("../runtime/client/index.ts");
type ServerModule = typeof import("../runtime/routing/node-server.ts");
type DriverModule = typeof import("../runtime/driver/index.ts");

/** The client type tests use: the client API typed from the fixture registry. */
export type HarnessClient = Client<FixtureRegistry>;

/**
 * The `file:` URL of the fixture registry module, handed to drivers as `ctx.registryModule`: its
 * default export is the registry `registry()` returns.
 */
export const FIXTURE_REGISTRY_MODULE = packageModuleUrl(
  "./fixtures/registry.ts",
  import.meta.url,
).href;

/** What the harness needs from the runtime, resolved lazily. */
export interface RuntimeBindings {
  /** The fixture registry every run hosts. */
  registry(): FixtureRegistry;
  /** The helpers handed to `start(ctx)` as `ctx.runtime`. */
  helpers(): DriverRuntimeHelpers;
  /** A client for `endpoint` (http) or in process over `manager` (inline). */
  createClient(
    kind: "http" | "inline",
    target: { endpoint: string; manager: ManagerDriver },
    options: ClientCellOptions,
  ): HarnessClient;
  /** Serves the manager router for `manager` on a free port of 127.0.0.1. */
  serveManager(manager: ManagerDriver): Promise<ServedManager>;
}

interface Loaded {
  registry?: FixtureRegistry;
  client?: ClientModule;
  server?: ServerModule;
  driver?: DriverModule;
  errors: Map<string, unknown>;
}

function need<T>(
  loaded: Loaded,
  key: "registry" | "client" | "server" | "driver",
  module: string,
): T {
  const value = loaded[key];
  if (value !== undefined) return value as T;
  const cause = loaded.errors.get(key);
  const reason = cause instanceof Error ? cause.message : String(cause);
  throw new HarnessError("harness_broken", `the harness could not load ${module}: ${reason}`, {
    cause,
  });
}

async function settle<T>(
  loaded: Loaded,
  key: "registry" | "client" | "server" | "driver",
  load: () => Promise<T>,
) {
  try {
    (loaded as any)[key] = await load();
  } catch (error) {
    loaded.errors.set(key, error);
  }
}

let bindings: Promise<RuntimeBindings> | undefined;

/**
 * Loads the runtime bindings once per process. Never rejects: a module that fails to load
 * makes the matching accessor throw a HarnessError (`harness_broken`) naming it.
 */
export function loadRuntimeBindings(): Promise<RuntimeBindings> {
  bindings ??= (async () => {
    const loaded: Loaded = { errors: new Map() };
    await Promise.all([
      settle(
        loaded,
        "registry",
        async () => (await import("./fixtures/registry.ts")).fixtureRegistry,
      ),
      settle(loaded, "client", () => import("../runtime/client/index.ts")),
      settle(loaded, "server", () => import("../runtime/routing/node-server.ts")),
      settle(loaded, "driver", () => import("../runtime/driver/index.ts")),
    ]);
    return {
      registry: () => need<FixtureRegistry>(loaded, "registry", "harness/fixtures/registry.ts"),
      helpers: () => {
        const mod = need<DriverModule>(loaded, "driver", "runtime/driver/index.ts");
        return mod.createDriverRuntimeHelpers();
      },
      createClient: (kind, target, options) => {
        const mod = need<ClientModule>(loaded, "client", "runtime/client/index.ts");
        const wrap = options.wrapDriver ?? ((driver) => driver);
        if (kind === "http") {
          const driver = wrap(mod.createHttpClientDriver(target.endpoint));
          return mod.createClientWithDriver<FixtureRegistry>(driver, options);
        }
        const registry = need<FixtureRegistry>(loaded, "registry", "harness/fixtures/registry.ts");
        const driver = wrap(mod.createInlineClientDriver(target.manager, registry));
        return mod.createClientWithDriver<FixtureRegistry>(driver, options);
      },
      serveManager: async (manager) => {
        const mod = need<ServerModule>(loaded, "server", "runtime/routing/node-server.ts");
        const registry = need<FixtureRegistry>(loaded, "registry", "harness/fixtures/registry.ts");
        const served = await mod.serveManager({ registry, manager });
        return { endpoint: served.endpoint, close: () => served.close() };
      },
    } satisfies RuntimeBindings;
  })();
  return bindings;
}

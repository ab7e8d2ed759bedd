/**
 * `driver-cert serve [module]`: starts the driver once, the way a test does (a fresh temp
 * `dataDir`, a unique `namespace`), with the fixture registry behind the manager router on a
 * loopback port, and prints the URL and example requests (curl, a WebSocket) so an author can
 * poke a failing path by hand. Stops the driver and removes the data directory on Ctrl-C.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { DriverStartError, withTimeout } from "./errors.ts";
import { loadDriverModule } from "./load-driver.ts";
import { DEFAULT_DRIVER_MODULE } from "./package-info.ts";
import { loadRuntimeBindings } from "./runtime-bindings.ts";
import {
  checkStarted,
  driverStartContext,
  newNamespace,
  START_TIMEOUT_MS,
  TEARDOWN_TIMEOUT_MS,
} from "./test-context.ts";
import { importTypeScript } from "./ts-import.ts";

/** One example request: what it does, and the headers a curl or fetch sends. */
export interface ExampleRequest {
  what: string;
  method: "GET" | "POST";
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** The query of the example actor: counter ["demo"], created on first use. */
export const EXAMPLE_QUERY = { getOrCreateForKey: { name: "counter", key: ["demo"] } };

/** The example HTTP requests against `endpoint` (docs/protocol.md, "Manager routes"). */
export function exampleRequests(): ExampleRequest[] {
  const actor = { "x-actor-encoding": "json", "x-actor-query": JSON.stringify(EXAMPLE_QUERY) };
  return [
    { what: "liveness", method: "GET", path: "/health", headers: {} },
    {
      what: "resolve (and create) counter [demo]",
      method: "POST",
      path: "/actors/resolve",
      headers: actor,
    },
    {
      what: "call its increment(1) action",
      method: "POST",
      path: "/actors/actions/increment",
      headers: { ...actor, "content-type": "application/json" },
      body: JSON.stringify({ args: [1] }),
    },
    {
      what: "open a connection over SSE (events as they come)",
      method: "GET",
      path: "/actors/connect/sse",
      headers: actor,
    },
  ];
}

/** The WebSocket subprotocols of a JSON connection to the example actor. */
export function exampleSubprotocols(): string[] {
  const query = Buffer.from(JSON.stringify(EXAMPLE_QUERY)).toString("base64url");
  return ["actor.v1", "actor.encoding.json", `actor.query.${query}`];
}

function curl(endpoint: string, request: ExampleRequest): string {
  const parts = ["curl", request.path.endsWith("/sse") ? "-N" : "-s"];
  if (request.method !== "GET") parts.push("-X", request.method);
  for (const [name, value] of Object.entries(request.headers))
    parts.push("-H", `'${name}: ${value}'`);
  if (request.body) parts.push("-d", `'${request.body}'`);
  parts.push(`${endpoint}${request.path}`);
  return parts.join(" ");
}

/** The text `serve` prints once listening. */
export function renderServeHelp(driverName: string, endpoint: string): string {
  const ws = endpoint.replace(/^http/, "ws");
  const lines = [
    `driver "${driverName}" serves the fixture registry at ${endpoint} (Ctrl-C to stop)`,
    "",
    ...exampleRequests().flatMap((r) => [`# ${r.what}`, curl(endpoint, r), ""]),
    "# a connection over WebSocket; then send one action message:",
    `npx wscat -c ${ws}/actors/connect/websocket ${exampleSubprotocols()
      .map((p) => `-s ${p}`)
      .join(" ")}`,
    `> {"type":"action","id":1,"name":"increment","args":[1]}`,
    "",
    "Messages and headers: docs/protocol.md",
    "",
  ];
  return lines.join("\n");
}

export interface ServeOptions {
  driverModule?: string;
  /** Port on 127.0.0.1; default any free port. */
  port?: number;
  stdout: Writable;
  stderr: Writable;
  /** Aborting stops the server and the driver (Ctrl-C); without one, serves until the process ends. */
  signal?: AbortSignal;
  cwd?: string;
}

/**
 * Serves until `signal` aborts, then stops the driver and resolves 0. Throws DriverLoadError
 * (the module does not load) or DriverStartError (start(ctx) failed or timed out).
 */
export async function serveDriverCommand(options: ServeOptions): Promise<number> {
  const { definition } = await loadDriverModule(
    options.driverModule ?? DEFAULT_DRIVER_MODULE,
    importTypeScript,
    options.cwd ?? process.cwd(),
  );
  const bindings = await loadRuntimeBindings();
  const dataDir = await mkdtemp(join(tmpdir(), "driver-cert-serve-"));
  try {
    const ctx = driverStartContext(bindings, dataDir, newNamespace());
    let instance: Awaited<ReturnType<typeof definition.start>>;
    try {
      instance = await withTimeout(
        "start",
        Promise.resolve().then(() => definition.start(ctx)),
        START_TIMEOUT_MS,
      );
      checkStarted(definition, instance);
    } catch (error) {
      throw new DriverStartError(
        `driver "${definition.name}" could not be started: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    }
    const { serveManager } = await import("../runtime/routing/node-server.ts");
    const served = await serveManager({
      registry: bindings.registry(),
      manager: instance.manager,
      hostname: "127.0.0.1",
      port: options.port,
    });
    options.stdout.write(renderServeHelp(definition.name, served.endpoint));
    await new Promise<void>((resolve) => {
      if (options.signal?.aborted) resolve();
      options.signal?.addEventListener("abort", () => resolve(), { once: true });
    });
    await served.close();
    await withTimeout(
      "stop",
      Promise.resolve().then(() => instance.stop()),
      TEARDOWN_TIMEOUT_MS,
    ).catch((error) =>
      options.stderr.write(`driver-cert: stop failed: ${(error as Error).message}\n`),
    );
    return 0;
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

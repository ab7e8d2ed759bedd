/**
 * workerd processes (through miniflare's Node API) and who uses them. Two ways to run:
 *
 * - `shared`: one workerd per Worker script and process group for a whole run, used by every
 *   driver start at once, each in its own namespace. The first process to need it starts it,
 *   publishes its URL in an environment variable, and keeps it (and its storage directory) until
 *   it exits; processes it spawns later in its group (the harness's test workers) inherit the
 *   variable and use the same workerd. A certification starts hundreds of drivers; this pays the
 *   workerd start once (see README.md for the figures). A process in a group of its own gets a
 *   workerd per start instead (see acquireShared).
 * - `per-start`: one workerd per driver start, storage in the start's `dataDir`; disposing it
 *   is a real runtime restart.
 *
 * workerd listens on 127.0.0.1 with a port the OS picks; nothing is downloaded: the workerd
 * binary comes with the `miniflare` package's `workerd` dependency.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { ActorError } from "../../runtime/driver/index.ts";

/** The compatibility date the Worker runs with (binary frames need `binaryType` from 2026-03). */
export const COMPATIBILITY_DATE = "2026-04-01";

/**
 * No `nodejs_compat`: the runtime uses web APIs only (its base64 codec is `btoa`/`atob`), so the
 * Worker runs without Node's globals.
 * - `enable_request_signal`: a request's `signal` aborts when its client goes away, which is how
 *   the actor router notices an SSE client that left (CONN-9).
 * - `web_socket_auto_reply_to_close`: a close from the peer is answered at once, so the closing
 *   side gets its close event even when the actor never calls `close()` (RAWWS-4).
 */
export const COMPATIBILITY_FLAGS = ["enable_request_signal", "web_socket_auto_reply_to_close"];

/** A running workerd: its loopback URL and a way to let go of it. */
export interface RuntimeLease {
  /** `http://127.0.0.1:<port>/`. */
  readonly url: URL;
  /** Releases this start's use; per-start runtimes are disposed before it resolves. */
  release(): Promise<void>;
}

/**
 * Passes workerd's output on, without the lines it logs when a client closes a connection
 * before the answer was written (a cancelled SSE stream, an aborted request): expected here,
 * and noise in a certification's output.
 */
function forwardRuntimeOutput(stdout: Readable, stderr: Readable): void {
  stdout.pipe(process.stdout);
  let skipStack = false;
  createInterface({ input: stderr }).on("line", (line) => {
    const dropped =
      /disconnected: ::write\(.*\): (Broken pipe|Connection reset by peer)/.test(line) ||
      (skipStack && line.startsWith("stack: "));
    skipStack = dropped && !line.startsWith("stack: ");
    if (!dropped) process.stderr.write(`${line}\n`);
  });
}

interface Started {
  url: URL;
  dispose(): Promise<void>;
}

/** The miniflare version this driver is built and certified against (package.json pins it). */
export const MINIFLARE_VERSION = "4.20260426.0";

/** What a start says when miniflare is not installed: a dev dependency, never a runtime one. */
export const MINIFLARE_MISSING_MESSAGE =
  "the cloudflare-workers driver runs actors under workerd, which the miniflare package ships, " +
  `and miniflare is not installed: run \`npm i -D miniflare@${MINIFLARE_VERSION}\``;

/**
 * Imports miniflare (`specifier` is for tests). Rejects `driver_error` with
 * MINIFLARE_MISSING_MESSAGE when the package cannot be found; other import errors pass as they are.
 */
export async function importMiniflare(
  specifier = "miniflare",
): Promise<typeof import("miniflare")> {
  try {
    return await import(specifier);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
      throw new ActorError("driver_error", MINIFLARE_MISSING_MESSAGE, { cause: error });
    }
    throw error;
  }
}

/** Starts workerd on `script` (loaded meanwhile with miniflare itself, about a second each). */
async function startWorkerd(script: Promise<string>, persistDir: string): Promise<Started> {
  const [{ Miniflare }, text] = await Promise.all([
    importMiniflare(),
    script,
    mkdir(persistDir, { recursive: true }),
  ]);
  const miniflare = new Miniflare({
    modules: true,
    script: text,
    compatibilityDate: COMPATIBILITY_DATE,
    compatibilityFlags: COMPATIBILITY_FLAGS,
    durableObjects: {
      ACTORS: { className: "ActorObject", useSQLite: true },
      NAMESPACES: { className: "NamespaceObject", useSQLite: true },
    },
    durableObjectsPersist: persistDir,
    host: "127.0.0.1",
    port: 0,
    handleRuntimeStdio: forwardRuntimeOutput,
  });
  try {
    const url = await miniflare.ready;
    return { url, dispose: () => miniflare.dispose() };
  } catch (error) {
    await miniflare.dispose().catch(() => {});
    throw error;
  }
}

interface Shared {
  started: Promise<URL> | undefined;
  persistDir: string;
}

const shared = new Map<string, Shared>();

/** Removes every shared storage directory when the process exits (registered on first use). */
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const entry of shared.values()) rmSync(entry.persistDir, { recursive: true, force: true });
  });
}

/** The environment variable that publishes the shared workerd of `key` to child processes. */
export function sharedRuntimeVariable(key: string): string {
  const digest = createHash("sha256").update(key).digest("hex").slice(0, 16).toUpperCase();
  return `DRIVER_CERT_WORKERD_${digest}`;
}

/**
 * This process's process group id, read from `/proc/self/stat` (Linux); undefined where that
 * cannot be read. The fields after the command's closing parenthesis are: state, ppid, pgrp.
 */
export function processGroup(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const pgrp = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
    return Number.isInteger(pgrp) ? pgrp : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A published workerd (`<process group> <url>`), or undefined for a value of another shape. A
 * group of `-1` stands for "unknown" (no /proc where it was published).
 */
function parsePublished(value: string): { group: number; url: URL } | undefined {
  const match = /^(-?\d+) (http:\/\/\S+)$/.exec(value);
  return match ? { group: Number(match[1]), url: new URL(match[2]) } : undefined;
}

/**
 * A lease on the shared workerd running `script` (keyed by `key`). The workerd is shared by the
 * processes of one process group, as the processes of one machine share it:
 *
 * - this process's own, when it started one;
 * - else the one a parent process of the same group published;
 * - else, when a parent published one from another group, this process is a machine of its own
 *   (the crash suite's driver host, which it kills with its whole group): the start gets a
 *   workerd of its own storing in `ownDir`, so a kill takes workerd with it and the next start
 *   on the same `ownDir` reopens the same storage;
 * - else this process starts the shared one (storage in a temp directory removed at exit) and
 *   publishes it to the processes it starts later (the harness's test workers).
 *
 * Rejects with miniflare's error when workerd cannot start (`driver_error` when miniflare is
 * missing, see importMiniflare).
 */
export async function acquireShared(
  key: string,
  script: () => Promise<string>,
  ownDir: string,
): Promise<RuntimeLease> {
  const variable = sharedRuntimeVariable(key);
  let entry = shared.get(key);
  if (entry === undefined) {
    const inherited = parsePublished(process.env[variable] ?? "");
    if (inherited !== undefined) {
      const group = processGroup();
      if (group === undefined || inherited.group === -1 || inherited.group === group) {
        return { url: inherited.url, release: async () => {} };
      }
      return acquireOwn(script(), ownDir);
    }
    installExitHook();
    entry = { started: undefined, persistDir: mkdtempSync(join(tmpdir(), "driver-cert-workerd-")) };
    shared.set(key, entry);
  }
  const current = entry;
  if (current.started === undefined) {
    const starting = startWorkerd(script(), current.persistDir).then((started) => {
      process.env[variable] = `${processGroup() ?? -1} ${started.url.href}`;
      return started.url;
    });
    current.started = starting;
    starting.catch(() => {
      if (current.started === starting) current.started = undefined;
    });
  }
  // Kept until the process exits (miniflare stops workerd then): child processes may use it.
  return { url: await current.started, release: async () => {} };
}

/** A workerd of its own for one start, storing in `persistDir`; `release()` disposes it. */
export async function acquireOwn(
  script: Promise<string>,
  persistDir: string,
): Promise<RuntimeLease> {
  const started = await startWorkerd(script, persistDir);
  let disposed: Promise<void> | undefined;
  return {
    url: started.url,
    release: () => (disposed ??= started.dispose()),
  };
}

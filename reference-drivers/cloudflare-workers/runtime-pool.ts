/**
 * workerd processes (through miniflare's Node API) and who uses them. Two ways to run:
 *
 * - `shared`: one workerd per Worker script in this process, used by every driver start at once,
 *   each in its own namespace. It is disposed `SHARED_IDLE_MS` after its last user left, and
 *   keeps one storage directory for the life of the process, so a start after a stop (a cold
 *   restart) finds its actors again. A certification starts hundreds of drivers; this keeps it
 *   near the memory driver's time (see README.md for the figures).
 * - `per-start`: one workerd per driver start, storage in the start's `dataDir`; disposing it
 *   is a real runtime restart.
 *
 * workerd listens on 127.0.0.1 with a port the OS picks; nothing is downloaded: the workerd
 * binary comes with the `miniflare` package's `workerd` dependency.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** How long a shared workerd outlives its last user, in ms: back-to-back starts reuse it. */
export const SHARED_IDLE_MS = 2000;

/** The compatibility date the Worker runs with (binary frames need `binaryType` from 2026-03). */
export const COMPATIBILITY_DATE = "2026-04-01";

/**
 * - `nodejs_compat`: the runtime's base64 codec (runtime/protocol/base64.ts) uses the global
 *   `Buffer`, which workerd provides only with this flag. Nothing else of Node is used.
 * - `enable_request_signal`: a request's `signal` aborts when its client goes away, which is how
 *   the actor router notices an SSE client that left (CONN-9).
 * - `web_socket_auto_reply_to_close`: a close from the peer is answered at once, so the closing
 *   side gets its close event even when the actor never calls `close()` (RAWWS-4).
 */
export const COMPATIBILITY_FLAGS = [
  "nodejs_compat",
  "enable_request_signal",
  "web_socket_auto_reply_to_close",
];

/** A running workerd: its loopback URL and a way to let go of it. */
export interface RuntimeLease {
  /** `http://127.0.0.1:<port>/`. */
  readonly url: URL;
  /** Releases this start's use; per-start runtimes are disposed before it resolves. */
  release(): Promise<void>;
}

interface Started {
  url: URL;
  dispose(): Promise<void>;
}

/** Starts workerd on `script` (loaded meanwhile with miniflare itself, about a second each). */
async function startWorkerd(script: Promise<string>, persistDir: string): Promise<Started> {
  const [{ Miniflare }, text] = await Promise.all([
    import("miniflare"),
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
  users: number;
  started: Promise<Started> | undefined;
  idle: ReturnType<typeof setTimeout> | undefined;
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

/**
 * A lease on the shared workerd running `script` (keyed by `key`), started on first use.
 * Rejects with miniflare's error when workerd cannot start.
 */
export async function acquireShared(
  key: string,
  script: () => Promise<string>,
): Promise<RuntimeLease> {
  installExitHook();
  let entry = shared.get(key);
  if (entry === undefined) {
    entry = {
      users: 0,
      started: undefined,
      idle: undefined,
      persistDir: mkdtempSync(join(tmpdir(), "driver-cert-workerd-")),
    };
    shared.set(key, entry);
  }
  const current = entry;
  current.users += 1;
  if (current.idle !== undefined) clearTimeout(current.idle);
  current.idle = undefined;
  if (current.started === undefined) {
    const starting = startWorkerd(script(), current.persistDir);
    current.started = starting;
    starting.catch(() => {
      if (current.started === starting) current.started = undefined;
    });
  }
  let started: Started;
  try {
    started = await current.started;
  } catch (error) {
    current.users -= 1;
    throw error;
  }
  let released = false;
  return {
    url: started.url,
    async release() {
      if (released) return;
      released = true;
      current.users -= 1;
      if (current.users > 0) return;
      const running = current.started;
      current.idle = setTimeout(() => {
        current.idle = undefined;
        if (current.users > 0 || current.started !== running) return;
        current.started = undefined;
        running?.then((s) => s.dispose()).catch(() => {});
      }, SHARED_IDLE_MS);
      current.idle.unref();
    },
  };
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

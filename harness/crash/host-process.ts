/**
 * The parent's side of a driver host process (driver-host.ts): spawn it on a data directory and
 * namespace, wait for its endpoint, then end it with SIGKILL or a graceful stop.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const HOST_SCRIPT = fileURLToPath(new URL("./driver-host.ts", import.meta.url));
/** The tsx loader, resolved from this package so the host loads `.ts` wherever it is installed. */
const TSX_LOADER = import.meta.resolve("tsx");

/** Bound (ms) of a host's start: process, driver start and server. */
export const HOST_START_TIMEOUT_MS = 30_000;
/** Bound (ms) of a graceful stop: the driver's `stop()` and the process exit. */
export const HOST_STOP_TIMEOUT_MS = 10_000;

/** What `startDriverHost` needs. */
export interface DriverHostOptions {
  /** Absolute path of the driver module. */
  driverModule: string;
  /** `file:` URL of the registry module (default export: the registry). */
  registryModule: string;
  dataDir: string;
  namespace: string;
}

/** A running driver host. */
export interface DriverHost {
  /** The manager router's base URL, e.g. `http://127.0.0.1:40123`. */
  readonly endpoint: string;
  /** SIGKILL; resolves once the process is gone. */
  kill(): Promise<void>;
  /**
   * Asks for a graceful stop (`instance.stop()`), resolves once the process exited 0. Throws an
   * Error with the host's output when it did not print `stopped` within HOST_STOP_TIMEOUT_MS.
   */
  stop(): Promise<void>;
  /** Everything the host printed so far (stdout and stderr). */
  output(): string;
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/**
 * SIGKILLs the host's process group: the host and every process it started that stayed in its
 * group (a driver's node processes, a runtime it spawned). Runs even after the host itself
 * exited, so children it left behind die too.
 */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // The group is gone already (ESRCH); the host may still need its own signal.
    if (!exited(child)) child.kill("SIGKILL");
  }
}

/**
 * Spawns the host and resolves once it printed `ready <endpoint>`. Rejects with an Error holding
 * the host's output when it exits first or is not ready within HOST_START_TIMEOUT_MS (it is
 * killed then).
 */
export async function startDriverHost(options: DriverHostOptions): Promise<DriverHost> {
  const child = spawn(
    process.execPath,
    [
      "--import",
      TSX_LOADER,
      HOST_SCRIPT,
      options.driverModule,
      options.registryModule,
      options.dataDir,
      options.namespace,
    ],
    // Its own process group, so a kill takes the driver's children (nodes, runtimes) with it, as
    // the death of a machine would.
    { stdio: ["pipe", "pipe", "pipe"], detached: true },
  );
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  // The parent may write to a host that just died: that is not an error of the run.
  child.stdin!.on("error", () => undefined);
  const closed = once(child, "close").catch(() => undefined);
  const kill = async () => {
    killGroup(child);
    await closed;
  };
  const endpoint = await new Promise<string>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(deadline);
      child.stdout!.off("data", check);
      void kill();
      reject(new Error(`the driver host ${why}; its output:\n${output.slice(-4000)}`));
    };
    const deadline = setTimeout(
      () => fail(`was not ready within ${HOST_START_TIMEOUT_MS} ms`),
      HOST_START_TIMEOUT_MS,
    );
    const check = () => {
      const ready = /^ready (\S+)$/m.exec(output);
      if (!ready) return;
      clearTimeout(deadline);
      child.off("exit", onExit);
      resolve(ready[1]);
    };
    const onExit = () => fail("exited before it was ready");
    child.stdout!.on("data", check);
    child.once("exit", onExit);
  });
  return {
    endpoint,
    kill,
    output: () => output,
    async stop() {
      child.stdin!.write("stop\n");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<"late">((resolve) => {
        timer = setTimeout(() => resolve("late"), HOST_STOP_TIMEOUT_MS);
      });
      const outcome = await Promise.race([closed.then(() => "closed" as const), late]);
      clearTimeout(timer);
      if (outcome === "late" || child.exitCode !== 0 || !/^stopped$/m.test(output)) {
        await kill();
        throw new Error(
          `the driver's stop() did not complete within ${HOST_STOP_TIMEOUT_MS} ms (exit ${String(child.exitCode)}); host output:\n${output.slice(-4000)}`,
        );
      }
    },
  };
}

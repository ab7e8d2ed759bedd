/**
 * Finding a Redis for the driver: `REDIS_URL` when set, else a `redis-server` of our own started
 * from the PATH on a unix socket in a temporary directory, persisting every write
 * (`appendonly yes`, `appendfsync always`), and stopped with the driver. Without either, start
 * fails with one line saying how to get one.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { ActorError } from "../../runtime/driver/index.ts";

/** The message start fails with when no Redis can be found. */
export const NO_REDIS_MESSAGE =
  "the Redis driver needs Redis: set REDIS_URL (for example redis://127.0.0.1:6379 or unix:///path/redis.sock), or install redis-server (Debian: apt-get install redis-server) so the driver starts its own";

/** How long a started redis-server may take to accept connections, in ms. */
const READY_TIMEOUT_MS = 5_000;

/** A Redis the driver uses. */
export interface RedisHandle {
  /** `redis://...` or `unix:///...`. */
  url: string;
  /** The process when the driver started it, else undefined. */
  process?: ChildProcess;
  /** Stops our own redis-server (SHUTDOWN-like SIGTERM, which syncs the append-only file). */
  stop(): Promise<void>;
}

/** True when `redis-server` is on the PATH. */
export function hasRedisServer(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

/**
 * Starts `redis-server` in `dir` on the unix socket `dir/redis.sock` (no TCP port), append-only
 * with fsync on every write; resolves once it accepts connections. Rejects when it exits or is
 * not ready within 5 s. Reusing a `dir` reads back what an earlier server wrote there.
 */
export async function startRedisServer(dir: string): Promise<RedisHandle> {
  await mkdir(dir, { recursive: true });
  const socket = join(dir, "redis.sock");
  const child = spawn(
    "redis-server",
    [
      "--port",
      "0",
      "--unixsocket",
      socket,
      "--unixsocketperm",
      "700",
      "--dir",
      dir,
      "--appendonly",
      "yes",
      "--appendfsync",
      "always",
      "--save",
      "",
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output = (output + chunk).slice(-2000);
  });
  child.stderr?.on("data", (chunk) => {
    output = (output + chunk).slice(-2000);
  });
  const exited = once(child, "exit").then(([code]) => {
    throw new Error(`redis-server exited with code ${code}: ${output.trim()}`);
  });
  const ready = (async () => {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (existsSync(socket)) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(
      `redis-server did not create ${socket} within ${READY_TIMEOUT_MS} ms: ${output.trim()}`,
    );
  })();
  try {
    await Promise.race([ready, exited]);
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }
  exited.catch(() => {});
  return {
    url: `unix://${socket}`,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const gone = once(child, "exit");
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/**
 * The Redis to use: `REDIS_URL` when set, else our own redis-server in `dir` when `redis-server`
 * is on the PATH. Throws an ActorError (`driver_error`) with NO_REDIS_MESSAGE otherwise.
 */
export async function findRedis(dir: string): Promise<RedisHandle> {
  const url = process.env.REDIS_URL;
  if (url) return { url, stop: async () => {} };
  // An ActorError, so `driver-cert run` prints this one line without a stack.
  if (!hasRedisServer()) throw new ActorError("driver_error", NO_REDIS_MESSAGE);
  return startRedisServer(dir);
}

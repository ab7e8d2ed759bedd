import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { readFile, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, onTestFinished, test } from "vitest";
import { tempDir } from "../test-support.ts";
import { ActorStore } from "./actor-store.ts";
import { LOCK_STALE_MS, type LockToken, ownToken } from "./dir-lock.ts";

const CHILD = fileURLToPath(new URL("./dir-lock-child.ts", import.meta.url));

/** Whether this machine can give a child its own PID namespace (root, util-linux unshare). */
const canUnshare =
  process.platform === "linux" &&
  spawnSync("unshare", ["--pid", "--fork", "--mount-proc", "true"]).status === 0;

/** The command line running the child, in a new PID namespace when `unshare` is true. */
function childCommand(dataDir: string, mode: "try" | "hold", unshare: boolean): string[] {
  const node = [process.execPath, "--import", "tsx", CHILD, dataDir, mode];
  return unshare ? ["unshare", "--pid", "--fork", "--mount-proc", ...node] : node;
}

/** Runs the child in `try` mode and resolves its one line of output. */
function tryInChild(dataDir: string, unshare: boolean): Promise<string> {
  const [cmd, ...args] = childCommand(dataDir, "try", unshare);
  return new Promise((resolve, reject) => {
    const child = spawn(cmd!, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.on("error", reject);
    child.on("close", () => {
      clearTimeout(timer);
      if (out.trim() === "") reject(new Error(`child printed nothing; stderr:\n${err}`));
      else resolve(out.trim());
    });
  });
}

/** Starts the child in `hold` mode; resolves once it holds the lock. Killed when the test ends. */
async function holdInChild(dataDir: string, unshare: boolean): Promise<ChildProcess> {
  const [cmd, ...args] = childCommand(dataDir, "hold", unshare);
  const child = spawn(cmd!, args, { stdio: ["pipe", "pipe", "pipe"] });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let err = "";
  child.stderr!.on("data", (d) => (err += d));
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`child never held the lock: ${err}`)), 20_000);
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("held")) {
        clearTimeout(timer);
        resolve();
      } else if (out.includes("refused")) {
        clearTimeout(timer);
        reject(new Error(`child was refused: ${out}`));
      }
    });
  });
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

describe("the data-directory lock across processes and PID namespaces", () => {
  test.skipIf(!canUnshare)(
    "a holder in this namespace is recognised from another PID namespace, and the other way round",
    async () => {
      const dir = await tempDir();
      const store = await ActorStore.open(dir);
      // The child's pid space cannot see this process: a pid check would call the lock stale.
      const line = await tryInChild(dir, true);
      expect(line).toMatch(/^refused .*in another PID namespace \(lock refreshed \d+ ms ago\)/);
      await store.close();

      // The other way round: the child (pid 1 in its namespace) holds it; so is this process refused.
      const holder = await holdInChild(dir, true);
      await expect(ActorStore.open(dir)).rejects.toThrow(/in another PID namespace/);
      holder.stdin!.end();
      await exited(holder);
      const after = await ActorStore.open(dir);
      await after.close();
    },
  );

  test("a holder that crashed in this namespace is taken over at once; a live one is refused", async () => {
    const dir = await tempDir();
    const holder = await holdInChild(dir, false);
    await expect(ActorStore.open(dir)).rejects.toThrow(new RegExp(`process ${holder.pid}`));
    holder.kill("SIGKILL");
    await exited(holder);
    const store = await ActorStore.open(dir);
    const token = JSON.parse(await readFile(join(dir, "LOCK"), "utf8")) as LockToken;
    expect(token.pid).toBe(process.pid);
    await store.close();
  });

  test("a live pid with another start time is a reused pid: the lock is stale", async () => {
    const dir = await tempDir();
    const parent = { ...ownToken(), pid: process.ppid };
    await writeFile(join(dir, "LOCK"), JSON.stringify({ ...parent, startTime: 1 }));
    const store = await ActorStore.open(dir);
    await store.close();
    if (parent.startTime === null) return;
    // Our parent with its real start time is alive: refused.
    const { processStartTime } = await import("./dir-lock.ts");
    await writeFile(
      join(dir, "LOCK"),
      JSON.stringify({ ...parent, startTime: processStartTime(process.ppid) }),
    );
    await expect(ActorStore.open(dir)).rejects.toThrow(new RegExp(`process ${process.ppid}`));
  });

  test("a lock from another PID namespace is live while refreshed, stale once it stops", async () => {
    const dir = await tempDir();
    const foreign = { ...ownToken(), pidNamespace: "pid:[1]", pid: process.pid };
    const lock = join(dir, "LOCK");
    await writeFile(lock, JSON.stringify(foreign));
    await expect(ActorStore.open(dir)).rejects.toThrow(/another PID namespace/);
    const old = new Date(Date.now() - LOCK_STALE_MS - 1000);
    await utimes(lock, old, old);
    const store = await ActorStore.open(dir);
    await store.close();
    // A file of an unknown format (an older driver's bare pid) follows the same rule.
    await writeFile(lock, "12345\n");
    await expect(ActorStore.open(dir)).rejects.toThrow(/unknown format/);
    await utimes(lock, old, old);
    await (await ActorStore.open(dir)).close();
  });

  test("the holder refreshes its lock, and release leaves a successor's lock alone", async () => {
    const dir = await tempDir();
    const store = await ActorStore.open(dir);
    const lock = join(dir, "LOCK");
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    const { LOCK_REFRESH_MS } = await import("./dir-lock.ts");
    await new Promise((resolve) => setTimeout(resolve, LOCK_REFRESH_MS + 500));
    const { stat } = await import("node:fs/promises");
    expect(Date.now() - (await stat(lock)).mtimeMs).toBeLessThan(LOCK_REFRESH_MS + 1000);
    await writeFile(lock, JSON.stringify(ownToken()));
    await store.close();
    expect(await readFile(lock, "utf8"), "a successor's lock survives our release").toMatch(
      /"token"/,
    );
  });
});

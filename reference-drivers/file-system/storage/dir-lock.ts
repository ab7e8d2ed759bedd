/**
 * One process owns a data directory at a time. Writes are atomic only within the owning process
 * (the per-key queues live in memory), so a second process opening the same directory is
 * refused rather than allowed to race. The lock is a `LOCK` file holding the owner's pid; a lock
 * whose process is gone (a crash, a SIGKILL) is stale and taken over.
 */
import { open, readFile, unlink } from "node:fs/promises";
import { dirname } from "node:path";
import { syncDirectory } from "./atomic-file.ts";

// Lock files held by this process, so a pid equal to ours can be told apart: ours and held, or
// left by an earlier process that happened to have our pid (containers restart with low pids).
const heldLocks = new Set<string>();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** A held lock; `release()` removes the file. Idempotent. */
export interface DirLock {
  release(): Promise<void>;
}

/**
 * Takes the lock file `lockPath`, taking over a stale one. Throws an Error naming the directory
 * and the owning pid when a live process (or another driver instance in this process) holds it.
 */
export async function acquireDirLock(lockPath: string): Promise<DirLock> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, "wx", 0o644);
      try {
        await handle.writeFile(`${process.pid}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await syncDirectory(dirname(lockPath));
      heldLocks.add(lockPath);
      let released = false;
      return {
        async release() {
          if (released) return;
          released = true;
          heldLocks.delete(lockPath);
          await unlink(lockPath).catch(() => {});
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const owner = Number.parseInt(await readFile(lockPath, "utf8").catch(() => ""), 10);
    const ownedHere = owner === process.pid && heldLocks.has(lockPath);
    if (ownedHere || (Number.isInteger(owner) && owner !== process.pid && processAlive(owner))) {
      throw new Error(
        `data directory ${dirname(lockPath)} is in use by ${ownedHere ? "another driver instance in this process" : `process ${owner}`}; stop it first (or remove ${lockPath} if that process is gone)`,
      );
    }
    await unlink(lockPath).catch(() => {});
  }
  throw new Error(`could not take the lock ${lockPath}: another process keeps replacing it`);
}

/**
 * One process owns a data directory at a time. Writes are atomic only within the owning process
 * (the per-key queues live in memory), so a second process opening the same directory is
 * refused rather than allowed to race.
 *
 * The lock is a `LOCK` file created exclusively, holding the owner's start token (JSON):
 *
 *   { token, pid, startTime, pidNamespace, bootId, host }
 *
 * and refreshed (its mtime) every LOCK_REFRESH_MS while held. Whether a holder is alive:
 *
 * - Same host, boot and PID namespace (Linux: the inode of /proc/self/ns/pid): the pid is
 *   checked, and on Linux the start time of that pid (/proc/<pid>/stat, field 22) must equal the
 *   token's. A crashed holder, or a pid since reused by another process, is stale at once.
 * - Anything else (another PID namespace: a container on a shared volume; another host; a lock
 *   file of another format): a pid means nothing here, so the holder is alive while it keeps
 *   refreshing the file, and stale once the file is older than LOCK_STALE_MS.
 *
 * A pid alone cannot decide: in another PID namespace the owner's pid names no process (or
 * another one), and a second server would run beside the first.
 */
import { randomUUID } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { link, open, readFile, stat, unlink, utimes } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname } from "node:path";
import { syncDirectory } from "./atomic-file.ts";

/** How often a held lock's mtime is refreshed, in ms. */
export const LOCK_REFRESH_MS = 2_000;
/** A lock from another PID namespace not refreshed for this long is stale, in ms. */
export const LOCK_STALE_MS = 15_000;

/** What a lock file holds: who holds it, in terms another process can check. */
export interface LockToken {
  /** Random per acquisition: tells this holder's file from a successor's. */
  token: string;
  pid: number;
  /** The pid's start time in clock ticks since boot (Linux), or null where unknown. */
  startTime: number | null;
  /** `pid:[inode]` of the holder's PID namespace (Linux), or "" where unknown. */
  pidNamespace: string;
  /** The kernel's boot id (Linux), or "" where unknown. */
  bootId: string;
  host: string;
}

function readProc(path: string): string {
  try {
    return readFileSync(path, "utf8").trim();
  } catch {
    return "";
  }
}

function pidNamespace(): string {
  if (process.platform !== "linux") return "";
  try {
    // readlink of /proc/self/ns/pid: "pid:[4026531836]"
    return readlinkSync("/proc/self/ns/pid");
  } catch {
    return "";
  }
}

/** Start time of `pid` in clock ticks since boot (Linux /proc), or null when unknown. */
export function processStartTime(pid: number): number | null {
  const stat = readProc(`/proc/${pid}/stat`);
  // The command name (field 2) is in parentheses and may hold spaces: split after the last ")".
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // rest[0] is field 3 (state), so field 22 (starttime) is rest[19].
  const value = Number(rest[19]);
  return stat && Number.isSafeInteger(value) ? value : null;
}

/** This process's token for a new acquisition. */
export function ownToken(): LockToken {
  return {
    token: randomUUID(),
    pid: process.pid,
    startTime: process.platform === "linux" ? processStartTime(process.pid) : null,
    pidNamespace: pidNamespace(),
    bootId: readProc("/proc/sys/kernel/random/boot_id"),
    host: hostname(),
  };
}

function parseToken(text: string): LockToken | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockToken>;
    if (typeof value.token !== "string" || !Number.isSafeInteger(value.pid)) return undefined;
    return {
      token: value.token,
      pid: value.pid as number,
      startTime: typeof value.startTime === "number" ? value.startTime : null,
      pidNamespace: typeof value.pidNamespace === "string" ? value.pidNamespace : "",
      bootId: typeof value.bootId === "string" ? value.bootId : "",
      host: typeof value.host === "string" ? value.host : "",
    };
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Whether the holder named by `holder` (the file's text, last modified `mtimeMs`) is alive,
 * judged from process `self`; see the module doc. Returns why, for messages.
 */
export function judgeHolder(
  holder: LockToken | undefined,
  mtimeMs: number,
  self: LockToken,
  now = Date.now(),
): { alive: boolean; why: string } {
  const sameSpace =
    holder !== undefined &&
    holder.host === self.host &&
    holder.bootId === self.bootId &&
    holder.pidNamespace === self.pidNamespace &&
    (self.pidNamespace !== "" || process.platform !== "linux");
  if (holder && sameSpace) {
    if (!processAlive(holder.pid)) return { alive: false, why: `process ${holder.pid} is gone` };
    if (holder.startTime !== null) {
      const started = processStartTime(holder.pid);
      if (started !== null && started !== holder.startTime) {
        return { alive: false, why: `pid ${holder.pid} now belongs to another process` };
      }
    }
    return { alive: true, why: `process ${holder.pid}` };
  }
  const age = Math.max(0, Math.round(now - mtimeMs));
  const who = holder
    ? `process ${holder.pid} on ${holder.host || "an unknown host"} in another PID namespace`
    : "a holder of unknown format";
  if (age < LOCK_STALE_MS) {
    return { alive: true, why: `${who} (lock refreshed ${age} ms ago)` };
  }
  return { alive: false, why: `${who} stopped refreshing it ${age} ms ago` };
}

/** A held lock; `release()` stops the refresh and removes the file if still ours. Idempotent. */
export interface DirLock {
  /** The token written to the lock file. */
  readonly token: LockToken;
  release(): Promise<void>;
}

/**
 * Takes the lock file `lockPath`, taking over a stale one. Throws an Error naming the directory
 * and the holder when a live holder (another process, in this PID namespace or not, or another
 * driver instance in this process) has it.
 */
export async function acquireDirLock(lockPath: string): Promise<DirLock> {
  const self = ownToken();
  for (let attempt = 0; attempt < 3; attempt++) {
    // Written whole under a temporary name, then linked in place (link fails if LOCK exists):
    // a crash can never leave a LOCK without its token.
    const temp = `${lockPath}.${self.token}.tmp`;
    try {
      const handle = await open(temp, "wx", 0o644);
      try {
        await handle.writeFile(`${JSON.stringify(self)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await link(temp, lockPath);
      await syncDirectory(dirname(lockPath));
      return holdLock(lockPath, self);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    } finally {
      await unlink(temp).catch(() => {});
    }
    let text: string;
    let mtimeMs: number;
    try {
      text = await readFile(lockPath, "utf8");
      mtimeMs = (await stat(lockPath)).mtimeMs;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") continue; // released meanwhile
      throw error;
    }
    const holder = parseToken(text);
    const verdict = judgeHolder(holder, mtimeMs, self);
    if (verdict.alive) {
      const here = holder?.pid === process.pid && holder.pidNamespace === self.pidNamespace;
      throw new Error(
        `data directory ${dirname(lockPath)} is in use by ${here ? "another driver instance in this process" : verdict.why}; stop it first (or remove ${lockPath} if that holder is gone)`,
      );
    }
    // Stale: remove it only if it is still the file judged (not a successor's fresh lock).
    if ((await readFile(lockPath, "utf8").catch(() => "")) === text) {
      await unlink(lockPath).catch(() => {});
    }
  }
  throw new Error(`could not take the lock ${lockPath}: another process keeps replacing it`);
}

function holdLock(lockPath: string, token: LockToken): DirLock {
  const refresh = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => {});
  }, LOCK_REFRESH_MS);
  // The refresh must not keep a process alive on its own; release() clears it anyway.
  refresh.unref();
  let released = false;
  return {
    token,
    async release() {
      if (released) return;
      released = true;
      clearInterval(refresh);
      const current = parseToken(await readFile(lockPath, "utf8").catch(() => ""));
      if (current?.token === token.token) await unlink(lockPath).catch(() => {});
    },
  };
}

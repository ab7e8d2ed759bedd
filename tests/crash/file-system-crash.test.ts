/**
 * Crash safety of the file-system driver (PERSIST-3): a child process writes through the driver
 * in a loop and is killed with SIGKILL at 50 random moments. After each kill the driver starts
 * on the same directory: every actor file decodes, the counter holds the last acknowledged value
 * (or one more: a write can complete just before its ack is printed), and every acknowledged
 * creation is there. A driver writing files in place (no temp file and rename) fails this.
 *
 * SIGKILL tests process death, not power loss: the page cache survives, so the fsyncs are not
 * exercised here (they are what makes a rename durable across power loss).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { expect, onTestFinished, test } from "vitest";
import { startFileSystemDriver } from "../../reference-drivers/file-system/index.ts";
import { decodePersistedData } from "../../runtime/actor/persistence.ts";
import { createInlineClient } from "../../runtime/client/index.ts";
import { crashContext, crashRegistry } from "./crash-support.ts";

const CHILD = fileURLToPath(new URL("./writer-child.ts", import.meta.url));
const KILLS = 50;
/** Independent data directories killed side by side, to keep the test's wall time down. */
const LANES = 2;
/** Random kill moment after the child's first ack, in ms. */
const MIN_DELAY_MS = 20;
const MAX_DELAY_MS = 200;
/** How long a child may take to start and acknowledge its first write. */
const START_DEADLINE_MS = 30_000;

interface ChildRun {
  startCount: number;
  lastAck: number;
  created: string[];
}

function waitForFirstAck(child: ChildProcess, output: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => {
      child.kill("SIGKILL");
      reject(
        new Error(
          `the writer did not acknowledge a write within ${START_DEADLINE_MS} ms:\n${output()}`,
        ),
      );
    }, START_DEADLINE_MS);
    const check = () => {
      if (/^ack \d+$/m.test(output())) {
        clearTimeout(deadline);
        resolve();
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", () => {
      clearTimeout(deadline);
      reject(new Error(`the writer exited before it was killed:\n${output()}`));
    });
  });
}

/** Runs the writer until a random moment after its first ack, kills it, parses what it acked. */
async function runAndKill(dataDir: string): Promise<ChildRun> {
  const child = spawn(process.execPath, ["--import", "tsx", CHILD, dataDir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const closed = once(child, "close");
  try {
    await waitForFirstAck(child, () => stdout + stderr);
    const delay = MIN_DELAY_MS + Math.random() * (MAX_DELAY_MS - MIN_DELAY_MS);
    await sleep(delay); // the random kill moment itself; there is no event to wait for
    child.kill("SIGKILL");
    const [, signal] = await closed;
    expect(signal, `writer output:\n${stdout}${stderr}`).toBe("SIGKILL");
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  // Only complete lines count: a line cut by the kill was never fully acknowledged.
  const lines = stdout.split("\n").slice(0, -1);
  const acks = lines.filter((l) => l.startsWith("ack ")).map((l) => Number(l.slice(4)));
  const start = lines.find((l) => l.startsWith("start "));
  return {
    startCount: Number(start?.slice(6)),
    lastAck: acks[acks.length - 1],
    created: lines.filter((l) => l.startsWith("created ")).map((l) => l.slice(8)),
  };
}

/** Starts the driver in process on `dataDir` and checks everything the writer acknowledged. */
async function verify(dataDir: string, run: ChildRun, allCreated: string[]): Promise<number> {
  const { ctx, actorDriver } = crashContext(dataDir);
  const driver = await startFileSystemDriver(ctx);
  try {
    // Every actor file left on disk (orphans were swept by the start) decodes completely.
    for (const file of await readdir(join(dataDir, "actors"))) {
      const actorId = file.replace(/\.actor$/, "");
      const bytes = await actorDriver().readPersistedData(actorId);
      expect(decodePersistedData(bytes!, actorId).version, `actor file ${file}`).toBe(1);
    }
    const client = createInlineClient<typeof crashRegistry>(driver.manager, crashRegistry);
    const { count, consistent } = await client.counter.get(["crash"]).read();
    expect(consistent, `the stored padding matches count ${count}`).toBe(true);
    expect([run.lastAck, run.lastAck + 1], `last ack ${run.lastAck}, stored ${count}`).toContain(
      count,
    );
    for (const key of allCreated) {
      expect(
        await driver.manager.getWithKey({ name: "counter", key: [key] }),
        `actor [${key}]`,
      ).toBeDefined();
    }
    return count;
  } finally {
    await driver.stop();
  }
}

/** One data directory, killed `kills` times in a row; each restart checks the one before. */
async function killLoop(lane: number, kills: number, failed: { value: boolean }): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), "fs-crash-"));
  onTestFinished(() => rm(dataDir, { recursive: true, force: true }));
  const allCreated: string[] = [];
  let stored = 0;
  for (let kill = 1; kill <= kills && !failed.value; kill++) {
    const run = await runAndKill(dataDir);
    const where = `lane ${lane}, kill ${kill}`;
    expect(run.startCount, `${where}: resumed from what the last check read`).toBe(stored);
    expect(Number.isInteger(run.lastAck), `${where}: a write was acknowledged`).toBe(true);
    allCreated.push(...run.created);
    stored = await verify(dataDir, run, allCreated).catch((error: Error) => {
      throw new Error(`${where}, after ack ${run.lastAck}: ${error.message}`, { cause: error });
    });
  }
}

test(`acknowledged writes survive ${KILLS} SIGKILLs and no file is ever torn (PERSIST-3)`, {
  timeout: 240_000,
}, async () => {
  // A failing lane stops the others at their next kill, so no writer outlives the test.
  const failed = { value: false };
  const lanes = Array.from({ length: LANES }, (_, lane) =>
    killLoop(lane, Math.ceil(KILLS / LANES), failed).catch((error: unknown) => {
      failed.value = true;
      throw error;
    }),
  );
  const results = await Promise.allSettled(lanes);
  const failure = results.find((r) => r.status === "rejected");
  if (failure) throw failure.reason;
});

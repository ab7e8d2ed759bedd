/**
 * One broadcast reaching many connections, timed to the last arrival: the broadcast workload of
 * `npm run bench` and `driver-cert bench`.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { inBatches, within } from "./measure.ts";
import { TICK_EVENT } from "./registry.ts";
import type { BenchEncoding, RunningToolkit } from "./toolkit.ts";

/** Many connections subscribed to one event, and a way to time one broadcast to all. */
export interface OpenBroadcast {
  /** Broadcasts `tick(round)`; resolves ms from just before the trigger to the last arrival. */
  broadcastOnce(round: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * Opens `count` WebSocket connections (50 at a time) to one actor, each listening for `tick`,
 * plus a separate unsubscribed trigger connection, and waits until the actor counts `count`
 * subscribers; rejects (closing what it opened) when that takes over `timeoutMs`. A round calls
 * `broadcast(round)` on the trigger connection and ends when the last listener has run.
 */
export async function openBroadcast(
  toolkit: RunningToolkit,
  encoding: BenchEncoding,
  count: number,
  timeoutMs: number,
): Promise<OpenBroadcast> {
  const deadline = performance.now() + timeoutMs;
  const handle = toolkit.client(encoding, "websocket").bench.getOrCreate([`broadcast-${encoding}`]);
  await handle.resolve();
  let current = Number.NaN;
  let remaining = 0;
  let arrived: (() => void) | undefined;
  const onTick = (round: unknown) => {
    if (round === current && --remaining === 0) arrived?.();
  };
  const conns: { dispose(): Promise<void> }[] = [];
  const trigger = handle.connect();
  conns.push(trigger);
  const close = async () => {
    await Promise.allSettled(conns.map((conn) => conn.dispose()));
  };
  try {
    await within(
      inBatches(count, 50, async () => {
        const conn = handle.connect();
        conns.push(conn);
        conn.on(TICK_EVENT, onTick);
        await conn.waitForOpen();
      }),
      timeoutMs,
      `opening ${count} connections`,
    );
    await within(trigger.waitForOpen(), 10_000, "opening the trigger connection");
    await waitForSubscribers(handle, count, deadline);
  } catch (error) {
    await close();
    throw error;
  }
  return {
    async broadcastOnce(round) {
      current = round;
      remaining = count;
      const done = new Promise<void>((resolve) => {
        arrived = resolve;
      });
      const start = performance.now();
      await trigger.broadcast(round);
      await within(done, 10_000, `broadcast round ${round} reaching ${count} connections`);
      return performance.now() - start;
    },
    close,
  };
}

/** Polls `subscribers(tick)` until `count` connections are subscribed, up to `deadline`. */
async function waitForSubscribers(
  handle: { subscribers(event: string): Promise<unknown> },
  count: number,
  deadline: number,
): Promise<void> {
  for (;;) {
    const seen = Number(await handle.subscribers(TICK_EVENT));
    if (seen >= count) return;
    if (performance.now() > deadline) {
      throw new Error(`only ${seen} of ${count} connections subscribed to ${TICK_EVENT}`);
    }
    await sleep(20);
  }
}

/**
 * The client side of heartbeats (docs/protocol.md, "Heartbeats"): a connection that hears
 * nothing, not a message, not a heartbeat, not a byte of its stream, for HEARTBEAT_MISSES
 * heartbeat intervals is dead, even though no close ever arrived (a silent partition).
 */

/** A connection that hears nothing for this many heartbeat intervals is dead. */
export const HEARTBEAT_MISSES = 2.5;

/** Watches one open link for silence. */
export class HeartbeatWatchdog {
  #lastHeard = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  /** Records that something arrived now. */
  heard(): void {
    this.#lastHeard = Date.now();
  }

  /**
   * Starts watching with the interval `init` announced (ms); `undefined` (a server without
   * heartbeats) watches nothing. Calls `onSilent(silentMs)` once the silence passes
   * HEARTBEAT_MISSES intervals, then stops. Replaces any earlier watch.
   */
  start(intervalMs: number | undefined, onSilent: (silentMs: number) => void): void {
    this.stop();
    if (intervalMs === undefined) return;
    const limit = intervalMs * HEARTBEAT_MISSES;
    this.heard();
    this.#timer = setInterval(
      () => {
        const silent = Date.now() - this.#lastHeard;
        if (silent <= limit) return;
        this.stop();
        onSilent(silent);
      },
      Math.max(10, Math.floor(intervalMs / 2)),
    );
    // A watch never keeps a process alive; the connection stops it when the link ends anyway.
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Stops watching. Idempotent. */
  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

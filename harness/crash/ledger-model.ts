/**
 * What the crash suite knows was acknowledged, and the check of a restarted driver against it
 * (clause PERSIST-7). Each writer lane writes increasing numbers to one `crashLedger` actor, one
 * at a time: `acked` is the last number whose reply arrived, `sent` the last one sent. A write in
 * flight at the kill may or may not have landed, so the stored number must lie in
 * `[acked, sent]`: lower is a lost acknowledged write, anything else is invented state.
 */
import type { LedgerView } from "../fixtures/core/crash-ledger.ts";

/** One writer lane's bounds. */
export interface LaneTrack {
  acked: number;
  sent: number;
}

/** The kinds of lane: an action over HTTP (two actors), an action over a WebSocket connection, a raw HTTP write outside actions with an immediate save. */
export type LaneName = "http-1" | "http-2" | "websocket" | "saved";

/** Everything acknowledged so far, across kills. */
export interface LedgerModel {
  lanes: Record<LaneName, LaneTrack>;
  /** The raw write without a save (lane `saved`'s actor): acknowledged, durable only after a graceful stop. */
  unsaved: LaneTrack;
  /** Acknowledged scheduled marks: tag to due time (ms since epoch). */
  marks: Map<string, number>;
  /** Keys (second component) of acknowledged creations. */
  created: string[];
  /** How many of `created` a restarted driver was already checked for. */
  createdChecked: number;
}

/** A fresh model: nothing written. */
export function emptyLedgerModel(): LedgerModel {
  const zero = () => ({ acked: 0, sent: 0 });
  return {
    lanes: { "http-1": zero(), "http-2": zero(), websocket: zero(), saved: zero() },
    unsaved: zero(),
    marks: new Map(),
    created: [],
    createdChecked: 0,
  };
}

/**
 * Problems of a lane's stored number against what was acknowledged, as sentences (empty when
 * it is fine). `exact` (after a graceful stop, nothing in flight) wants `acked` itself.
 */
export function laneProblems(
  name: string,
  stored: number,
  track: LaneTrack,
  exact: boolean,
): string[] {
  if (exact && stored !== track.acked) {
    return [
      `${name}: stores ${stored}, but ${track.acked} was acknowledged and nothing was in flight at the stop`,
    ];
  }
  if (stored < track.acked)
    return [
      `${name}: stores ${stored}, but ${track.acked} was acknowledged (an acknowledged write was lost)`,
    ];
  if (stored > track.sent)
    return [`${name}: stores ${stored}, but only up to ${track.sent} was ever sent`];
  return [];
}

/** Marks due by `now` (ms since epoch) that `view` does not hold, earliest first. */
export function missingDueMarks(model: LedgerModel, view: LedgerView, now: number): string[] {
  const seen = new Set(view.marks);
  return [...model.marks]
    .filter(([tag, dueAt]) => dueAt <= now && !seen.has(tag))
    .sort((a, b) => a[1] - b[1])
    .map(([tag, dueAt]) => `${tag} (due ${new Date(dueAt).toISOString()})`);
}

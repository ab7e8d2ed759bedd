/**
 * The public shapes of a connection (`handle.connect()`): its status, the options the client
 * fills in, and what `onClose` listeners get. The machinery is in connection.ts.
 */
import type { Encoding, Transport } from "../protocol/messages.ts";
import type { ActorQuery } from "../protocol/query.ts";
import type { ClientDriver } from "./client-driver.ts";

/**
 * Where a connection is: `connecting` (first attempt), `open` (init received), `reconnecting`
 * (the transport dropped or went silent after an init; retrying with backoff), `failed` (the
 * first attempt failed, a reconnect was refused with `actor_not_found`, or `maxReconnectAttempts`
 * attempts in a row failed; terminal), `disconnected` (the server ended it with
 * `conn.disconnect(reason)`; terminal, never reconnected), `disposed` (terminal).
 */
export type ConnectionStatus =
  | "connecting"
  | "open"
  | "reconnecting"
  | "failed"
  | "disconnected"
  | "disposed";

/** Options of a connection; the client fills them from its own options and the handle's. */
export interface ConnectionOptions {
  driver: ClientDriver;
  query: ActorQuery;
  encoding: Encoding;
  transport: Transport;
  params: unknown;
  /** Longest wait for `init` per attempt, in ms (default 10,000); then `connect_timed_out`. */
  connectTimeoutMs?: number;
  /** First reconnect delay, in ms (default 100); doubles per failed attempt. */
  reconnectInitialMs?: number;
  /** Largest reconnect delay, in ms (default 5,000). Each delay is jittered to 50-100%. */
  reconnectMaxMs?: number;
  /**
   * Reconnect attempts in a row that may fail before the connection gives up and becomes
   * `failed` (default 10). A reconnect refused with `actor_not_found` fails it at once.
   */
  maxReconnectAttempts?: number;
  /**
   * Longest wait for an action's reply, in ms from the call, queued time included (default
   * 90,000: past the server's default action timeout of 60,000); then `action_reply_timed_out`.
   */
  actionTimeoutMs?: number;
  /**
   * What actions wait for before they are sent: the client's pending subscription changes on
   * all its connections (docs/runtime.md, "Subscriptions"); `undefined` when none is pending.
   */
  subscriptionBarrier?: () => Promise<void> | undefined;
  /**
   * Called when this connection starts having subscription changes not yet in force (`true`)
   * and when it no longer has any (`false`), so the client's barrier looks only at those.
   */
  onSubscriptionsPending?: (pending: boolean) => void;
  /** Called once when the connection is disposed (the client forgets it). */
  onDispose?: () => void;
}

/** How the transport of an open connection ended, as given to `onClose` listeners. */
export interface ConnectionCloseInfo {
  code: number;
  reason: string;
}

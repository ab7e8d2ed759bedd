/**
 * Small transport pieces shared by both client drivers: raw subpaths, abort signals, and
 * waiting for a WebSocket to open.
 */

import { bufferSocket } from "../routing/buffered-socket.ts";
import { scheduleTask } from "../routing/socket-events.ts";
import type {
  UniversalCloseEvent,
  UniversalEvent,
  UniversalWebSocket,
} from "../routing/universal-websocket.ts";
import { WS_OPEN } from "../routing/universal-websocket.ts";
import { clientError } from "./errors.ts";

/**
 * `prefix` + "/" + `path` with at most one leading "/" of `path` dropped, so the actor sees the
 * subpath and query string exactly as given: "" and "/" become "/", "api/x?y=1" and
 * "/api/x?y=1" become "/api/x?y=1", "a/" keeps its trailing slash (ROUTE-6).
 */
export function joinSubpath(prefix: string, path: string): string {
  return `${prefix}/${path.startsWith("/") ? path.slice(1) : path}`;
}

/**
 * `url` as fetch() and `ws` put it on the wire: dot segments resolved, the fragment and a lone
 * "?" (an empty query) dropped. The inline client sends raw paths through it, so both clients
 * deliver the same subpath and query for the same input (ROUTE-6).
 */
export function asSentByFetch(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}${parsed.search}`;
}

/** One signal aborted when either is; `undefined` when neither is given. */
export function combineSignals(
  a: AbortSignal | undefined,
  b: AbortSignal | undefined,
): AbortSignal | undefined {
  if (!a) return b;
  if (!b) return a;
  return AbortSignal.any([a, b]);
}

/**
 * Creates a socket with `create` and resolves it once open. Rejects with `http_request_failed`
 * naming `label` when it errors or closes first, and with the signal's reason (closing the
 * socket) when `signal` aborts first.
 *
 * Events are held from the start and released a task after the promise resolves: `ws` can emit
 * `open` and the first message in one tick (both in one TCP chunk), before the caller's `await`
 * has resumed and attached its listeners.
 */
export function openSocket(
  create: () => UniversalWebSocket,
  signal: AbortSignal | undefined,
  label: string,
): Promise<UniversalWebSocket> {
  if (signal?.aborted) return Promise.reject(signal.reason);
  const socket = create();
  const held = bufferSocket(socket);
  const handOver = () => {
    scheduleTask(() => held.release());
    return held;
  };
  if (socket.readyState === WS_OPEN) return Promise.resolve(handOver());
  return new Promise((resolve, reject) => {
    let failure = "";
    const cleanup = () => {
      socket.removeEventListener("open", onOpen);
      socket.removeEventListener("error", onError);
      socket.removeEventListener("close", onClose);
      signal?.removeEventListener("abort", onAbort);
    };
    const onOpen = () => {
      cleanup();
      resolve(handOver());
    };
    const onError = (event: UniversalEvent) => {
      const error = event.error;
      failure = error instanceof Error ? error.message : failure;
    };
    const onClose = (event: UniversalCloseEvent) => {
      cleanup();
      const detail =
        failure || `closed with ${event.code}${event.reason ? ` ${event.reason}` : ""}`;
      reject(clientError("http_request_failed", `WebSocket ${label} did not open: ${detail}`));
    };
    const onAbort = () => {
      cleanup();
      try {
        socket.close();
      } catch {
        // A socket still connecting may refuse close(); it is being abandoned anyway.
      }
      reject(signal?.reason);
    };
    socket.addEventListener("open", onOpen);
    socket.addEventListener("error", onError);
    socket.addEventListener("close", onClose);
    signal?.addEventListener("abort", onAbort);
  });
}

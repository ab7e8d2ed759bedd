/**
 * The raw handlers: `onFetch` for raw HTTP and `onWebSocket` for raw WebSockets
 * (RAWHTTP-1..3, RAWWS-1..4). Neither opens a connection, so no connection hook runs.
 */
import type { UniversalWebSocket } from "../routing/universal-websocket.ts";
import type { ActorContext } from "./context.ts";
import type { AnyActorDefinition } from "./definition.ts";
import { ActorError } from "./errors.ts";

/**
 * Calls `onFetch(c, request, { auth })` and returns its Response. Throws
 * `fetch_handler_not_defined` without onFetch and `invalid_fetch_response` when it returns
 * anything but a Response; its own errors reach the caller unchanged (the router masks them).
 */
export async function runFetch(
  config: AnyActorDefinition["config"],
  ctx: ActorContext,
  label: string,
  request: Request,
  auth: unknown,
): Promise<Response> {
  if (!config.onFetch) {
    throw new ActorError("fetch_handler_not_defined", `actor ${label} has no onFetch handler`);
  }
  const response: unknown = await config.onFetch(ctx, request, { auth });
  if (!isResponse(response)) {
    throw new ActorError(
      "invalid_fetch_response",
      `onFetch of actor ${label} returned ${describe(response)}, not a Response`,
    );
  }
  return response;
}

/**
 * Hands an open socket to `onWebSocket(c, socket, { request, auth })`. Throws
 * `websocket_handler_not_defined` without onWebSocket. The socket is added to `held` until it
 * closes, so the instance can close it on stop.
 */
export async function runWebSocket(
  config: AnyActorDefinition["config"],
  ctx: ActorContext,
  label: string,
  raw: { socket: UniversalWebSocket; request: Request; authData: unknown },
  held: Set<UniversalWebSocket>,
): Promise<void> {
  if (!config.onWebSocket) {
    throw new ActorError(
      "websocket_handler_not_defined",
      `actor ${label} has no onWebSocket handler`,
    );
  }
  const { socket } = raw;
  held.add(socket);
  socket.addEventListener("close", () => held.delete(socket));
  await config.onWebSocket(ctx, socket, { request: raw.request, auth: raw.authData });
}

/** True for a Response, including one from another realm or fetch implementation. */
function isResponse(value: unknown): value is Response {
  if (value instanceof Response) return true;
  const v = value as Partial<Response> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.status === "number" &&
    typeof v.headers === "object" &&
    typeof v.arrayBuffer === "function"
  );
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "object") return `an instance of ${value.constructor?.name ?? "Object"}`;
  return typeof value;
}

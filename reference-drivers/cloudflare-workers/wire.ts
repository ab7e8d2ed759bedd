/**
 * The Worker's internal HTTP API, shared by the manager in the harness process and the Worker:
 * paths, bodies and how errors cross. Every path starts with the driver namespace, so runs that
 * share one workerd never see each other's actors. Loopback only; not a public interface.
 *
 * - `POST /ns/<ns>/create`       CreateBody -> 200 ActorOutput | 409 WireError
 * - `POST /ns/<ns>/get-with-key` { name, key } -> 200 ActorOutput | 404
 * - `POST /ns/<ns>/get-for-id`   { actorId } -> 200 ActorOutput | 404
 * - `POST /ns/<ns>/stop`, `/start`: the namespace's actors stop (final saves, alarms held) or resume
 * - `POST /ns/<ns>/actors/<id>/damage`: the PERSIST-5 test hook
 * - `POST /ns/<ns>/actors/<id>/fail-writes` (body `1` or `0`): the PERSIST-9 test hook
 * - `POST /ns/<ns>/actors/<id>/abort` (body: a request id): that request's client went away
 * - `*    /ns/<ns>/actors/<id>/route/<actor router path>`: the actor router of that actor
 */
import { ActorError, type ActorKey, type ErrorCode } from "../../runtime/driver/index.ts";

/** What `create` carries: the actor and its initial bytes, base64. */
export interface CreateBody {
  name: string;
  key: ActorKey;
  region?: string;
  /** `createInitialPersistedData(input)`, base64 (computed by the caller, MGR-6). */
  data: string;
  /** `create` refuses a taken key (MGR-5); `get-or-create` answers the existing actor (MGR-4). */
  mode: "create" | "get-or-create";
}

/** An ActorError as it crosses the wire. */
export interface WireError {
  code: ErrorCode;
  message: string;
}

/** The header that carries the manager's id of one routed request (for `/abort`). */
export const REQUEST_ID_HEADER = "x-driver-request-id";

/** `/ns/<ns>`: the prefix of every path of namespace `ns`. */
export function namespacePath(namespace: string): string {
  return `/ns/${encodeURIComponent(namespace)}`;
}

/** `/ns/<ns>/actors/<id>/route`: append the actor router's path and query, raw. */
export function routePrefix(namespace: string, actorId: string): string {
  return `${namespacePath(namespace)}/actors/${encodeURIComponent(actorId)}/route`;
}

/** The raw path and query of `url` (no decoding: ROUTE-6 keeps percent-encoding as sent). */
export function rawPathAndQuery(url: string): string {
  const afterScheme = url.indexOf("//");
  const slash = url.indexOf("/", afterScheme + 2);
  return slash === -1 ? "/" : url.slice(slash);
}

/** A JSON response. */
export function json(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), {
    status,
    headers: { "content-type": "application/json" },
  });
}

/** An ActorError as a response (`status` 409 for actor_already_exists, else 500). */
export function errorJson(error: ActorError): Response {
  const status = error.code === "actor_already_exists" ? 409 : 500;
  const body: WireError = { code: error.code as ErrorCode, message: error.message };
  return json(body, status);
}

/** Rebuilds the ActorError a non-2xx response carries, or an internal_error naming the status. */
export async function wireError(response: Response, what: string): Promise<ActorError> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as Partial<WireError>;
    if (typeof body.code === "string" && typeof body.message === "string") {
      return new ActorError(body.code as ErrorCode, body.message);
    }
  } catch {
    // Not a WireError: described below.
  }
  return new ActorError("internal_error", `${what} failed with HTTP ${response.status}: ${text}`);
}

/** Base64 of `bytes` (RFC 4648), through `btoa`: both sides (Node and workerd) have it. */
export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** The bytes of a base64 string; throws a DOMException for one that is not base64. */
export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Marks a route answer that stands for a rejection: the actor router threw instead of answering
 * (the runtime's router rethrows what is not an Error, as a thrown string). The manager rejects
 * with the same value, as an in-process host would.
 */
export const ROUTER_THREW_HEADER = "x-driver-router-threw";

/** A thrown value as it crosses: an ActorError, another Error, or a JSON-able non-Error value. */
export type ThrownValue =
  | { kind: "actor-error"; code: ErrorCode; message: string }
  | { kind: "error"; name: string; message: string }
  | { kind: "value"; value: unknown };

/** The answer that carries `thrown` to the manager. */
export function routerThrewResponse(thrown: unknown): Response {
  let body: ThrownValue;
  if (thrown instanceof ActorError) {
    body = { kind: "actor-error", code: thrown.code as ErrorCode, message: thrown.message };
  } else if (thrown instanceof Error) {
    body = { kind: "error", name: thrown.name, message: thrown.message };
  } else {
    body = { kind: "value", value: thrown === undefined ? null : thrown };
  }
  return new Response(JSON.stringify(body), {
    status: 500,
    headers: { [ROUTER_THREW_HEADER]: "1", "content-type": "application/json" },
  });
}

/** The value a ThrownValue stands for. */
export function thawThrown(thrown: ThrownValue): unknown {
  if (thrown.kind === "actor-error") return new ActorError(thrown.code, thrown.message);
  if (thrown.kind === "value") return thrown.value;
  const error = new Error(thrown.message);
  error.name = thrown.name;
  return error;
}

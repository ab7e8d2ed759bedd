/**
 * The one error type callers of the clients see. Whether an error came back from a stateless HTTP
 * action, from an action over a connection, or from the inline client, it is a
 * `ClientActorError` with the same `code`, `message`, `metadata` and `status` (clause ERR-2).
 */
import { ActorError, ERROR_CATALOGUE, type ErrorCode, type ErrorSpec } from "../actor/errors.ts";

/**
 * Codes only the client raises, for failures of the transport rather than of an actor. They are
 * kept apart from the runtime catalogue because no server ever sends them.
 */
export const CLIENT_ERROR_CATALOGUE = {
  http_request_failed: {
    status: 502,
    public: true,
    description:
      "fetch() itself failed (connection refused, reset, DNS) or a response arrived whose status " +
      "is not OK and whose body is not an error payload in JSON or CBOR.",
  },
  malformed_response: {
    status: 502,
    public: true,
    description:
      "A success response body, WebSocket frame or SSE event could not be decoded in the " +
      "connection's encoding, or does not have the documented shape.",
  },
  connect_timed_out: {
    status: 504,
    public: true,
    description:
      "A connection attempt did not receive `init` within the connect timeout. Over SSE this " +
      "usually means the driver's sendRequest/proxyRequest buffers response bodies (ROUTE-2).",
  },
  action_reply_timed_out: {
    status: 504,
    public: true,
    description:
      "An action on a connection got no reply within the client's action timeout " +
      "(`actionTimeoutMs`, default 90,000 ms), for example across a silent network partition.",
  },
  heartbeat_timed_out: {
    status: 504,
    public: true,
    description:
      "An open connection heard nothing, not even a heartbeat, for 2.5 heartbeat intervals; " +
      "the client closed its transport and reconnects.",
  },
} as const satisfies Record<string, ErrorSpec>;

/** A code of the client catalogue. */
export type ClientErrorCode = keyof typeof CLIENT_ERROR_CATALOGUE;

/** Status of a code that is in neither catalogue: the actor's own `UserError` codes (400). */
const USER_ERROR_STATUS = 400;

function specFor(code: string): ErrorSpec | undefined {
  return (
    (ERROR_CATALOGUE as Record<string, ErrorSpec>)[code] ??
    (CLIENT_ERROR_CATALOGUE as Record<string, ErrorSpec>)[code]
  );
}

/**
 * An error as a caller of the client sees it. Extends the runtime's `ActorError`, so an actor
 * that rethrows what `c.client()` gave it keeps the code on its own public paths (and internal
 * codes stay masked there, ERR-3).
 *
 * - `code`: a runtime catalogue code, a client catalogue code, or the actor's `UserError` code.
 * - `message`: as the server sent it (masked for internal errors on public paths, ERR-3/ERR-4).
 * - `metadata`: as the server sent it; `undefined` when none.
 * - `status`: derived from `code` alone (catalogue status, 400 for user codes), never from the
 *   path, so the same error has the same status over HTTP, a connection and inline (ERR-2).
 */
export class ClientActorError extends ActorError {
  constructor(code: string, message: string, metadata?: unknown, cause?: unknown) {
    const spec = specFor(code);
    super("internal_error", message, {
      metadata,
      cause,
      status: spec?.status ?? USER_ERROR_STATUS,
      public: spec?.public ?? true,
    });
    // ActorError only takes runtime catalogue codes; user and client codes are set afterwards,
    // as UserError does.
    (this as { code: string }).code = code;
    this.name = "ClientActorError";
  }
}

/** Shorthand for a client catalogue error. */
export function clientError(
  code: ClientErrorCode,
  message: string,
  cause?: unknown,
): ClientActorError {
  return new ClientActorError(code, message, undefined, cause);
}

/** Shorthand for a runtime catalogue error raised on the client side (for example `connection_closed`). */
export function runtimeError(code: ErrorCode, message: string, cause?: unknown): ClientActorError {
  return new ClientActorError(code, message, undefined, cause);
}

/**
 * Turns a decoded error payload (`{ code, message, metadata? }`: an HTTP error body or an `error`
 * message) into a ClientActorError. Returns `undefined` when `payload` does not have that shape.
 */
export function errorFromPayload(payload: unknown): ClientActorError | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const { code, message, metadata } = payload as Record<string, unknown>;
  if (typeof code !== "string" || typeof message !== "string") return undefined;
  return new ClientActorError(code, message, metadata);
}

/**
 * Normalizes anything thrown inside the client (a driver's ActorError, a foreign Error) into a
 * ClientActorError. ActorErrors keep their code, message and metadata; anything else becomes
 * `internal_error` with its message, as on the inline path (ERR-4).
 */
export function toClientError(error: unknown): ClientActorError {
  if (error instanceof ClientActorError) return error;
  if (error instanceof ActorError) {
    return new ClientActorError(error.code, error.message, error.metadata, error);
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ClientActorError("internal_error", message, undefined, error);
}

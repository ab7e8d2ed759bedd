/**
 * The error catalogue: every error the runtime raises, each with a stable code, an HTTP status,
 * a WebSocket close code and whether its message may reach a public caller. docs/protocol.md
 * lists the same table; the code, not the wording, is the contract (clause ERR-1).
 */

/** One catalogue entry. `closeCode` is used when the error ends a WebSocket during setup. */
export interface ErrorSpec {
  readonly status: number;
  /** Public errors keep code, message and metadata on every path; others are masked (ERR-3). */
  readonly public: boolean;
  readonly description: string;
}

/** The catalogue, keyed by code. Custom user error codes are public with status 400. */
export const ERROR_CATALOGUE = {
  internal_error: {
    status: 500,
    public: false,
    description: "An unexpected error inside an actor, a driver or the runtime.",
  },
  invalid_request: {
    status: 400,
    public: true,
    description: "A request is missing a required part or has the wrong shape.",
  },
  invalid_encoding: {
    status: 400,
    public: true,
    description: "The encoding header or subprotocol is missing or is not json or cbor.",
  },
  invalid_query: {
    status: 400,
    public: true,
    description: "The actor query is not valid JSON or does not match the query schema.",
  },
  invalid_key: {
    status: 400,
    public: true,
    description: "An actor key is not an array of strings within the key limits.",
  },
  invalid_params: {
    status: 400,
    public: true,
    description: "Connection params are not valid JSON or exceed the size limit.",
  },
  unsupported_protocol_version: {
    status: 400,
    public: true,
    description: "The client asked for a protocol version this runtime does not speak.",
  },
  malformed_message: {
    status: 400,
    public: true,
    description: "A message could not be decoded or does not match the message schema.",
  },
  message_too_large: {
    status: 413,
    public: true,
    description: "A message or body is larger than the documented limit.",
  },
  serialization_error: {
    status: 500,
    public: true,
    description: "A value cannot be carried by the chosen encoding.",
  },
  actor_not_found: {
    status: 404,
    public: true,
    description:
      "No actor has this id, or no actor of this name has this key, or the name is not registered.",
  },
  actor_already_exists: {
    status: 409,
    public: true,
    description: "create() on a name and key that an actor already holds.",
  },
  action_not_found: {
    status: 404,
    public: true,
    description: "The actor has no action with this name.",
  },
  action_timed_out: {
    status: 504,
    public: true,
    description: "An action did not settle within the actor's action timeout.",
  },
  conn_not_found: {
    status: 404,
    public: true,
    description: "A connection message names a connection the actor does not hold.",
  },
  incorrect_conn_token: {
    status: 403,
    public: true,
    description: "A connection message carries the wrong token for its connection.",
  },
  connection_closed: {
    status: 503,
    public: true,
    description: "The connection closed while a call on it was in flight.",
  },
  connection_disposed: {
    status: 400,
    public: true,
    description: "A call was made on a connection after dispose().",
  },
  send_buffer_exceeded: {
    status: 503,
    public: true,
    description:
      "A connection's client did not read fast enough: its unsent data passed the send buffer limit.",
  },
  unauthorized: {
    status: 401,
    public: true,
    description: "onAuth rejected the caller's credentials.",
  },
  forbidden: {
    status: 403,
    public: true,
    description:
      "The actor has no onAuth, so it cannot be reached from a public path, or onAuth denied the intent.",
  },
  fetch_handler_not_defined: {
    status: 404,
    public: true,
    description: "Raw HTTP reached an actor without onFetch.",
  },
  websocket_handler_not_defined: {
    status: 404,
    public: true,
    description: "A raw WebSocket reached an actor without onWebSocket.",
  },
  invalid_fetch_response: {
    status: 500,
    public: true,
    description: "onFetch returned something that is not a Response.",
  },
  state_not_enabled: {
    status: 500,
    public: false,
    description: "c.state used by an actor that declares no state.",
  },
  vars_not_enabled: {
    status: 500,
    public: false,
    description: "c.vars used by an actor that declares no vars.",
  },
  conn_state_not_enabled: {
    status: 500,
    public: false,
    description: "conn.state used by an actor that declares no connection state.",
  },
  invalid_state_type: {
    status: 500,
    public: false,
    description: "State holds a value the persistence encoding cannot carry.",
  },
  actor_start_failed: {
    status: 500,
    public: false,
    description: "An actor's start (createState, onCreate, createVars, onStart) threw.",
  },
  persisted_data_corrupt: {
    status: 500,
    public: true,
    description: "An actor's persisted data cannot be read back; other actors are unaffected.",
  },
  driver_error: {
    status: 502,
    public: false,
    description: "A driver method threw or returned a value outside the contract.",
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The text a public caller sees in place of an internal error's message (ERR-3). */
export const MASKED_MESSAGE = "Internal error. Read the actor logs for more details.";

export interface ActorErrorOptions {
  metadata?: unknown;
  cause?: unknown;
  /** Overrides the catalogue status; used by UserError only. */
  status?: number;
  /** Overrides the catalogue's public flag; used by UserError only. */
  public?: boolean;
}

/**
 * The brand on every ActorError's prototype. `Symbol.for` keys are shared by the whole process,
 * so an ActorError made by another copy of driver-cert (the one a driver installed itself, or one
 * loaded through tsx) carries the same brand and is recognised by isActorError and `instanceof`.
 */
const ACTOR_ERROR_BRAND = Symbol.for("driver-cert.ActorError");

/**
 * True for an ActorError (or UserError, ClientActorError) from any copy of driver-cert in the
 * process: the value carries the ActorError brand, a string `code`, a number `status` and a
 * boolean `public`. Prototype identity is not required, so a driver's own copy of the package
 * counts (ERR-1: the code, not the class, is the contract).
 */
export function isActorError(value: unknown): value is ActorError {
  if (typeof value !== "object" || value === null) return false;
  const fields = value as Record<PropertyKey, unknown>;
  return (
    fields[ACTOR_ERROR_BRAND] === true &&
    typeof fields.code === "string" &&
    typeof fields.status === "number" &&
    typeof fields.public === "boolean"
  );
}

/**
 * An error with a stable code. Routers turn it into `{ code, message, metadata }` with the
 * catalogue's status; anything that is not an ActorError is reported as `internal_error`.
 * `error instanceof ActorError` holds for ActorErrors of every copy of driver-cert in the process
 * (see isActorError); `instanceof` a subclass keeps the ordinary prototype check.
 */
export class ActorError extends Error {
  static {
    Object.defineProperty(ActorError.prototype, ACTOR_ERROR_BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    // `this` is the class right of `instanceof`: ActorError itself, or a subclass.
    // biome-ignore lint/complexity/noThisInStatic: the receiver decides which check applies
    if (this !== ActorError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return isActorError(value);
  }

  readonly code: string;
  readonly metadata: unknown;
  readonly status: number;
  readonly public: boolean;

  constructor(code: ErrorCode, message: string, options: ActorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ActorError";
    this.code = code;
    const spec: ErrorSpec = ERROR_CATALOGUE[code] ?? ERROR_CATALOGUE.internal_error;
    this.status = options.status ?? spec.status;
    this.public = options.public ?? spec.public;
    this.metadata = options.metadata;
  }
}

/** Options for a user error raised by actor code. */
export interface UserErrorOptions {
  /** Stable code the caller can switch on; defaults to `user_error`. */
  code?: string;
  /** Any value the encoding can carry; reaches the caller unchanged (ERR-2). */
  metadata?: unknown;
}

/**
 * An error actor code throws on purpose. Public: its code, message and metadata reach the caller
 * on every path (HTTP action, connection action, inline client), with status 400 (clause ERR-2).
 */
export class UserError extends ActorError {
  constructor(message: string, options: UserErrorOptions = {}) {
    super("invalid_request", message, { metadata: options.metadata, status: 400, public: true });
    (this as { code: string }).code = options.code ?? "user_error";
    this.name = "UserError";
  }
}

/** Shorthand for `new ActorError(code, message, options)`. */
export function actorError(
  code: ErrorCode,
  message: string,
  options?: ActorErrorOptions,
): ActorError {
  return new ActorError(code, message, options);
}

/**
 * `conn_not_found` for a connection message naming `connectionId`: the same text whether the
 * actor exists and lacks the connection or no actor has the id, so the answer reveals nothing
 * about actor ids (docs/protocol.md, "Manager routes").
 */
export function connectionNotFound(connectionId: string): ActorError {
  return new ActorError(
    "conn_not_found",
    `no open connection ${JSON.stringify(connectionId)} for this actor id`,
  );
}

/** The wire form of an error: what HTTP bodies and connection error messages carry. */
export interface ErrorPayload {
  code: string;
  message: string;
  metadata?: unknown;
}

/** The result of deconstructing any thrown value for a caller. */
export interface DeconstructedError extends ErrorPayload {
  status: number;
  public: boolean;
}

/**
 * Turns any thrown value into what a caller may see. Public ActorErrors pass through; internal
 * ones (and foreign errors) become `internal_error` with the masked message unless
 * `exposeInternal` is set, which only the inline client path does (clause ERR-3, ERR-4).
 */
export function deconstructError(error: unknown, exposeInternal: boolean): DeconstructedError {
  if (error instanceof ActorError || isActorErrorLike(error)) {
    const e = error as ActorError;
    if (e.public) {
      return {
        code: e.code,
        message: e.message,
        metadata: e.metadata,
        status: e.status,
        public: true,
      };
    }
    if (exposeInternal) {
      return {
        code: e.code,
        message: e.message,
        metadata: e.metadata,
        status: e.status,
        public: false,
      };
    }
    return { code: "internal_error", message: MASKED_MESSAGE, status: 500, public: false };
  }
  if (exposeInternal) {
    const message = error instanceof Error ? error.message : String(error);
    return { code: "internal_error", message, status: 500, public: false };
  }
  return { code: "internal_error", message: MASKED_MESSAGE, status: 500, public: false };
}

function isActorErrorLike(error: unknown): boolean {
  return (
    typeof error === "object" &&
    error !== null &&
    (error as { name?: unknown }).name !== undefined &&
    typeof (error as { code?: unknown }).code === "string" &&
    typeof (error as { status?: unknown }).status === "number" &&
    typeof (error as { public?: unknown }).public === "boolean"
  );
}

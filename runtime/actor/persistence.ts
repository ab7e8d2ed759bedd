/**
 * The persisted blob of one actor: what `ActorDriver.writePersistedData` stores and
 * `readPersistedData` returns. One CBOR item (RFC 8949, encoded by runtime/protocol):
 *
 *   { version: 1, input, initialized, state, schedule: [{ id, timestamp, action, args }],
 *     asleep? }
 *
 * Connections are not persisted: each one rides a live transport (a socket or a stream) that
 * does not survive the instance, and clients reconnect and get a new connection. Vars are not
 * persisted either (VARS-1).
 */
import { z } from "zod";
import { decodeCbor, encodeCbor } from "../protocol/values.ts";
import { ActorError } from "./errors.ts";

/** The blob format version this runtime writes and reads. */
export const PERSISTED_DATA_VERSION = 1;

/** One scheduled action (SCHED-1..4). */
export interface PersistedEvent {
  /** Random UUID. */
  id: string;
  /** When it is due, Unix epoch ms. */
  timestamp: number;
  /** The action to run. */
  action: string;
  args: unknown[];
}

/** The decoded blob. */
export interface PersistedActor {
  version: typeof PERSISTED_DATA_VERSION;
  /** The creation input, kept so a failed first start can be retried with it (MGR-6). */
  input: unknown;
  /** False until the first start has computed and written the initial state (LIFE-1). */
  initialized: boolean;
  /** `undefined` until initialized, and for actors without state. */
  state: unknown;
  /** Scheduled events sorted by timestamp; events with equal timestamps keep insertion order. */
  schedule: PersistedEvent[];
  /**
   * True when the instance that wrote it went to sleep: the next start is a wake and runs
   * `onWake` (SLEEP-5), then clears it. Absent in blobs written before sleep existed.
   */
  asleep?: boolean;
}

const persistedSchema = z.object({
  version: z.literal(PERSISTED_DATA_VERSION),
  input: z.unknown(),
  initialized: z.boolean(),
  state: z.unknown(),
  schedule: z.array(
    z.object({
      id: z.string(),
      timestamp: z.number().finite(),
      action: z.string(),
      args: z.array(z.unknown()),
    }),
  ),
  asleep: z.boolean().optional(),
});

/**
 * Encodes a blob. Throws `invalid_state_type` naming the path (e.g. `state.handler`) of a value
 * CBOR cannot carry exactly (PERSIST-4).
 */
export function encodePersistedData(data: PersistedActor): Uint8Array {
  try {
    return encodeCbor(data);
  } catch (error) {
    if (error instanceof ActorError && error.code === "serialization_error") {
      throw new ActorError("invalid_state_type", error.message, { cause: error });
    }
    throw error;
  }
}

/**
 * Decodes a blob. Throws `persisted_data_corrupt` (naming `actorId`) for bytes that are not one
 * CBOR item or not a blob of a known version (PERSIST-5).
 */
export function decodePersistedData(bytes: Uint8Array, actorId: string): PersistedActor {
  let value: unknown;
  try {
    value = decodeCbor(bytes, { maxDepth: Number.POSITIVE_INFINITY });
  } catch (error) {
    throw corrupt(actorId, (error as Error).message, error);
  }
  const parsed = persistedSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.path.length > 0 ? ` at ${issue.path.join(".")}` : "";
    throw corrupt(
      actorId,
      `not a version ${PERSISTED_DATA_VERSION} actor blob${where}: ${issue.message}`,
    );
  }
  // The decoded value itself, not zod's copy: zod rebuilds objects and may drop `undefined` keys.
  return value as PersistedActor;
}

/**
 * The bytes `ManagerDriver.createActor` must store for a new actor created with `input`
 * (MGR-6): not yet initialized, no state, no schedule. Throws `serialization_error` when
 * `input` cannot be carried by CBOR.
 */
export function createInitialPersistedData(input: unknown): Uint8Array {
  return encodeCbor({
    version: PERSISTED_DATA_VERSION,
    input,
    initialized: false,
    state: undefined,
    schedule: [],
  } satisfies PersistedActor);
}

function corrupt(actorId: string, reason: string, cause?: unknown): ActorError {
  return new ActorError(
    "persisted_data_corrupt",
    `persisted data of actor ${actorId} cannot be read: ${reason}`,
    {
      cause,
    },
  );
}

/**
 * The three places where a Worker hosting actors most often goes wrong, as replaceable parts:
 * how a socket end is accepted (binary frames must stay ArrayBuffers), how the one alarm slot
 * of an object is written, and how an actor id string becomes an object id (a foreign id must
 * be a miss, never a throw). `createWorker(registry, parts)` takes them; the defaults are the
 * correct ones, and tests/mutants/ swaps one at a time to prove the suite notices.
 */
import type { UniversalWebSocket } from "../../../runtime/driver/index.ts";
import type {
  DurableObjectId,
  DurableObjectStorage,
  WorkerdWebSocket,
  WorkerEnv,
} from "./platform.ts";
import { acceptSocket } from "./socket.ts";

export interface WorkerParts {
  /** Accepts a socket end and wraps it for the runtime (binary as ArrayBuffer, ROUTE-3). */
  acceptSocket(ws: WorkerdWebSocket, protocol: string): UniversalWebSocket;
  /**
   * Writes the object's one alarm slot: the runtime asks for its earliest scheduled event, and
   * the slot must then hold exactly that time, earlier or later than before (SCHED-1..SCHED-3).
   */
  armAlarm(storage: DurableObjectStorage, at: number): Promise<void>;
  /** The object id of `actorId`, or undefined when it is not an id of this binding (MGR-2). */
  resolveActorId(env: WorkerEnv, actorId: string): DurableObjectId | undefined;
}

/** The correct parts. */
export const defaultParts: WorkerParts = {
  acceptSocket,
  armAlarm: (storage, at) => storage.setAlarm(at),
  resolveActorId(env, actorId) {
    // idFromString throws for an id of another binding or of the wrong shape: that is a miss.
    if (!/^[0-9a-f]{64}$/.test(actorId)) return undefined;
    try {
      return env.ACTORS.idFromString(actorId);
    } catch {
      return undefined;
    }
  },
};

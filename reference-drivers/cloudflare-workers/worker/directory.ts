/**
 * Where actors of one namespace live, seen from inside workerd: the object of an actor is named
 * by `[namespace, name, key]`, so that object alone decides whether the key is taken (MGR-4,
 * MGR-5; never get-then-create), and its id string is the actor id. The Worker's fetch handler
 * and the actors' own `c.client()` both go through here.
 */
import type { ActorOutput } from "../../../runtime/driver/index.ts";
import { type CreateBody, wireError } from "../wire.ts";
import type { WorkerParts } from "./parts.ts";
import type { DurableObjectStub, WorkerEnv } from "./platform.ts";

/** The origin of requests from the Worker to an object (objects ignore the host). */
export const OBJECT_ORIGIN = "http://actor-object";

/** The header that tells an object which driver namespace is asking. */
export const NAMESPACE_HEADER = "x-driver-namespace";

/** The lookups and creation of one namespace. */
export class Directory {
  readonly env: WorkerEnv;
  readonly namespace: string;
  readonly parts: WorkerParts;

  constructor(env: WorkerEnv, namespace: string, parts: WorkerParts) {
    this.env = env;
    this.namespace = namespace;
    this.parts = parts;
  }

  /** The object of `name` + `key` in this namespace (JSON keeps whole keys apart, KEY-1..3). */
  #keyObject(name: string, key: readonly string[]): DurableObjectStub {
    const id = this.env.ACTORS.idFromName(JSON.stringify([this.namespace, name, key]));
    return this.env.ACTORS.get(id);
  }

  /** The object of an actor id, or undefined for an id of no object of this binding. */
  objectOf(actorId: string): DurableObjectStub | undefined {
    const id = this.parts.resolveActorId(this.env, actorId);
    return id === undefined ? undefined : this.env.ACTORS.get(id);
  }

  /**
   * Creates the actor, or with mode `get-or-create` answers the existing one. The key's object
   * decides. Rejects `actor_already_exists` for `create` on a taken key.
   */
  async create(body: CreateBody): Promise<ActorOutput> {
    const response = await this.#keyObject(body.name, body.key).fetch(
      new Request(`${OBJECT_ORIGIN}/create`, {
        method: "POST",
        headers: { [NAMESPACE_HEADER]: this.namespace, "content-type": "application/json" },
        body: JSON.stringify(body),
      }),
    );
    if (!response.ok) throw await wireError(response, "create");
    return (await response.json()) as ActorOutput;
  }

  /** The actor of `name` + `key`, or undefined. Never creates (MGR-3). */
  getWithKey(name: string, key: readonly string[]): Promise<ActorOutput | undefined> {
    return this.#meta(this.#keyObject(name, key));
  }

  /** The actor of `actorId` in this namespace, or undefined: never throws for a miss (MGR-2). */
  async getForId(actorId: string): Promise<ActorOutput | undefined> {
    const object = this.objectOf(actorId);
    return object === undefined ? undefined : this.#meta(object);
  }

  async #meta(object: DurableObjectStub): Promise<ActorOutput | undefined> {
    const response = await object.fetch(
      new Request(`${OBJECT_ORIGIN}/meta`, { headers: { [NAMESPACE_HEADER]: this.namespace } }),
    );
    if (response.status === 404) return undefined;
    if (!response.ok) throw await wireError(response, "lookup");
    return (await response.json()) as ActorOutput;
  }
}

/**
 * The Worker: its fetch handler (the internal API of ../wire.ts, reached by the manager in the
 * harness process over loopback) and its two Durable Object classes. `createWorker` builds all
 * three for a registry; nothing runs at module scope, as workerd requires.
 */
import {
  ActorError,
  createLocalActorHost,
  type LocalActorHost,
  type Registry,
} from "../../../runtime/driver/index.ts";
import { type CreateBody, errorJson, json } from "../wire.ts";
import { createActorObjectClass } from "./actor-object.ts";
import { Directory, NAMESPACE_HEADER, OBJECT_ORIGIN } from "./directory.ts";
import { NamespaceObject } from "./namespace-object.ts";
import { defaultParts, type WorkerParts } from "./parts.ts";
import type { DurableObjectClass, WorkerEnv } from "./platform.ts";
import { handleActorRoute, parseRoute } from "./route.ts";
import { createWorkerManager } from "./worker-manager.ts";

const API = /^\/ns\/([^/]+)\/(create|get-with-key|get-for-id|stop|start)$/;
const ACTOR_OPERATION = /^\/ns\/([^/]+)\/actors\/([^/]+)\/(damage|fail-writes|abort)$/;

/** What entry.ts exports: the fetch handler and the two Durable Object classes. */
export interface WorkerModule {
  fetch(request: Request, env: WorkerEnv): Promise<Response>;
  ActorObject: DurableObjectClass;
  NamespaceObject: DurableObjectClass;
}

/** The Worker for `registry`: `{ fetch, ActorObject, NamespaceObject }` (see entry.ts). */
export function createWorker(registry: Registry, parts: WorkerParts = defaultParts): WorkerModule {
  /** A host with no actors: every request and socket to it is answered `actor_not_found`. */
  const hostWithoutActors = (directory: Directory): LocalActorHost =>
    createLocalActorHost({
      registry,
      actorDriver: {
        readPersistedData: async () => undefined,
        writePersistedData: async () => {},
        setAlarm: async () => {},
      },
      getActorMetadata: async () => undefined,
      managerDriver: () => createWorkerManager(directory),
    });

  async function api(env: WorkerEnv, request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    const actorOperation = ACTOR_OPERATION.exec(pathname);
    if (actorOperation) {
      const directory = new Directory(env, decodeURIComponent(actorOperation[1]), parts);
      const object = directory.objectOf(decodeURIComponent(actorOperation[2]));
      if (!object) return json(null, 404);
      return object.fetch(
        new Request(`${OBJECT_ORIGIN}/${actorOperation[3]}`, {
          method: "POST",
          headers: { [NAMESPACE_HEADER]: directory.namespace },
          body: await request.text(),
        }),
      );
    }
    const match = API.exec(pathname);
    if (!match || request.method !== "POST") return json(null, 404);
    const directory = new Directory(env, decodeURIComponent(match[1]), parts);
    const operation = match[2];
    if (operation === "stop" || operation === "start") {
      const namespaces = env.NAMESPACES;
      const object = namespaces.get(namespaces.idFromName(directory.namespace));
      return object.fetch(new Request(`${OBJECT_ORIGIN}/${operation}`, { method: "POST" }));
    }
    const body = (await request.json()) as Record<string, any>;
    const found =
      operation === "create"
        ? await directory.create(body as CreateBody)
        : operation === "get-with-key"
          ? await directory.getWithKey(body.name, body.key)
          : await directory.getForId(body.actorId);
    return found === undefined ? json(null, 404) : json(found);
  }

  async function fetch(request: Request, env: WorkerEnv): Promise<Response> {
    try {
      const route = parseRoute(request.url);
      if (route === undefined) return await api(env, request);
      const directory = new Directory(env, route.namespace, parts);
      const object = directory.objectOf(route.actorId);
      // An id of no object still gets the router's own actor_not_found answer.
      if (object === undefined) {
        return await handleActorRoute(request, () => ({
          host: hostWithoutActors(directory),
          parts,
        }));
      }
      return await object.fetch(request);
    } catch (error) {
      if (error instanceof ActorError) return errorJson(error);
      throw error;
    }
  }

  return {
    fetch,
    ActorObject: createActorObjectClass(registry, parts),
    NamespaceObject,
  };
}

/**
 * The ManagerDriver actors use inside workerd (`c.client()` from one actor to another): lookups
 * and creation through the Directory, requests and sockets straight to the other actor's object
 * through its stub. Every I/O object it makes belongs to the calling actor's object, so one actor
 * calling several others never shares a stream or socket across objects.
 */
import {
  ActorError,
  createInitialPersistedData,
  type ManagerDriver,
  type UniversalWebSocket,
} from "../../../runtime/driver/index.ts";
import { bridgeSockets } from "../bridge.ts";
import { rawPathAndQuery, routePrefix, toBase64 } from "../wire.ts";
import { type Directory, OBJECT_ORIGIN } from "./directory.ts";
import { responseWebSocket } from "./platform.ts";

/** The ManagerDriver of `directory`'s namespace, for actors inside the Worker. */
export function createWorkerManager(directory: Directory): ManagerDriver {
  const objectOf = (actorId: string) => {
    const object = directory.objectOf(actorId);
    if (object === undefined) {
      throw new ActorError("actor_not_found", `no actor has id ${JSON.stringify(actorId)}`);
    }
    return object;
  };
  const routed = (actorId: string, request: Request, init?: RequestInit) =>
    new Request(
      `${OBJECT_ORIGIN}${routePrefix(directory.namespace, actorId)}${rawPathAndQuery(request.url)}`,
      init ?? request,
    );
  const send = async (actorId: string, request: Request) =>
    objectOf(actorId).fetch(routed(actorId, request));
  const open = async (actorId: string, request: Request): Promise<UniversalWebSocket> => {
    const headers = new Headers(request.headers);
    headers.set("upgrade", "websocket");
    const response = await objectOf(actorId).fetch(routed(actorId, request, { headers }));
    const ws = responseWebSocket(response);
    if (ws === null) {
      throw new ActorError(
        "internal_error",
        `WebSocket to actor ${actorId} refused with HTTP ${response.status}: ${await response.text()}`,
      );
    }
    return directory.parts.acceptSocket(ws, response.headers.get("sec-websocket-protocol") ?? "");
  };
  const create = (
    input: Parameters<ManagerDriver["createActor"]>[0],
    mode: "create" | "get-or-create",
  ) =>
    directory.create({
      name: input.name,
      key: input.key,
      region: input.region,
      data: toBase64(createInitialPersistedData(input.input)),
      mode,
    });
  return {
    getForId: ({ actorId }) => directory.getForId(actorId),
    getWithKey: ({ name, key }) => directory.getWithKey(name, key),
    getOrCreateWithKey: (input) => create(input, "get-or-create"),
    createActor: (input) => create(input, "create"),
    sendRequest: send,
    proxyRequest: send,
    openWebSocket: open,
    proxyWebSocket: (actorId, request, socket) => bridgeSockets(socket, open(actorId, request)),
  };
}

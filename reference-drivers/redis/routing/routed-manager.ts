/**
 * The ManagerDriver of the Redis driver, the same on the harness side and in every node:
 * lookups and creation in Redis (atomic, read-your-writes from any node), requests and sockets
 * routed to the actor's owner by a Forwarder (DIST-2, DIST-3).
 */
import type { ManagerDriver } from "../../../runtime/driver/index.ts";
import type { Coordinator } from "../coordinator/coordinator.ts";
import type { Forwarder } from "./forwarder.ts";

/**
 * A manager over `coordinator` and `forwarder`; `initialData(input)` gives a new actor's bytes
 * (MGR-6) and throws for an input that cannot be stored, before anything is created.
 */
export function routedManager(
  coordinator: Coordinator,
  forwarder: Forwarder,
  initialData: (input: unknown) => Uint8Array,
): ManagerDriver {
  return {
    getForId: ({ actorId }) => coordinator.getForId(actorId),
    getWithKey: ({ name, key }) => coordinator.getWithKey(name, key),
    getOrCreateWithKey: async (input) => {
      const found = await coordinator.getWithKey(input.name, input.key);
      return found ?? coordinator.create(input, initialData(input.input), true);
    },
    createActor: async (input) => coordinator.create(input, initialData(input.input), false),
    sendRequest: (actorId, request) => forwarder.fetch(actorId, request),
    proxyRequest: (actorId, request) => forwarder.fetch(actorId, request),
    openWebSocket: (actorId, request) => forwarder.openWebSocket(actorId, request),
    proxyWebSocket: (actorId, request, socket) =>
      forwarder.proxyWebSocket(actorId, request, socket),
  };
}

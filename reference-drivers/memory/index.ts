/**
 * The memory driver: every actor in process, nothing durable. It is the runtime's local actor
 * host plus a Map, and the smallest complete driver to read before writing one.
 */
import {
  type ActorDriver,
  type DriverInstance,
  type DriverStartContext,
  defineDriver,
  type ManagerDriver,
} from "../../runtime/driver/index.ts";
import { MemoryStore } from "./memory-store.ts";

/**
 * Starts one isolated memory driver: its own actors, key index and timers (nothing at module
 * level). `stop()` clears every alarm and stops every actor (DRV-4).
 */
export async function startMemoryDriver(ctx: DriverStartContext): Promise<DriverInstance> {
  const store = new MemoryStore((input) => ctx.runtime.createInitialPersistedData(input));
  let stopped = false;

  const actorDriver: ActorDriver = {
    async readPersistedData(actorId) {
      return store.read(actorId);
    },
    async writePersistedData(actorId, data) {
      store.write(actorId, data);
    },
    async setAlarm(actorId, timestampMs) {
      // Nothing may fire after stop (DRV-4); final saves during stop may still ask.
      if (stopped) return;
      store.setAlarm(actorId, timestampMs, (id) => {
        host.fireAlarm(id).catch((error) => {
          console.error(`alarm of actor ${id} failed`, error);
        });
      });
    },
    // What createVars receives as its driver context (VARS-3): where this actor lives.
    getContext: (actorId) => ({ driver: "memory", namespace: ctx.namespace, actorId }),
  };

  const host = ctx.runtime.createLocalActorHost({
    registry: ctx.registry,
    actorDriver,
    getActorMetadata: async (actorId) => store.get(actorId),
    managerDriver: () => manager,
  });

  const manager: ManagerDriver = {
    getForId: async ({ actorId }) => store.get(actorId),
    getWithKey: async (input) => store.getWithKey(input),
    getOrCreateWithKey: async (input) => store.create(input, true),
    createActor: async (input) => store.create(input, false),
    sendRequest: (actorId, request) => host.sendRequest(actorId, request),
    openWebSocket: (actorId, request) => host.openWebSocket(actorId, request),
    proxyRequest: (actorId, request) => host.proxyRequest(actorId, request),
    proxyWebSocket: (actorId, request, socket) => host.proxyWebSocket(actorId, request, socket),
  };

  return {
    manager,
    async stop() {
      stopped = true;
      store.clearAlarms();
      await host.stop();
    },
  };
}

export default defineDriver({
  name: "memory",
  contractVersion: 1,
  capabilities: { websocket: true, sse: true, schedule: true, durable: false, sleep: true },
  start: startMemoryDriver,
});

/**
 * SLEEP-2 broken: the driver runs its own eviction and counts only routed requests as activity.
 * An actor that has had no request routed to it for 100 ms is unloaded (`stop()` on its host
 * handle), although a connection or raw WebSocket is still open on it.
 */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "SLEEP-2",
  description: "evicts actors 100 ms after their last routed request, open connections or not",
  suites: ["sleep"],
  grep: "open-connection-keeps-awake|raw-websocket-keeps-awake",
};

/** Quiet time after which the mutant unloads an actor, ms. */
const EVICT_AFTER_MS = 100;

export default mutantDriver("sleep-unloads-open-connection", "memory", {
  manager: (inner, env) => {
    const timers = new Map<string, ReturnType<typeof setTimeout>>();
    const routed = (actorId: string): void => {
      clearTimeout(timers.get(actorId));
      const timer = setTimeout(() => {
        timers.delete(actorId);
        env.host
          ?.loadActor(actorId)
          .then((actor) => actor.stop())
          .catch(() => undefined);
      }, EVICT_AFTER_MS);
      timer.unref();
      timers.set(actorId, timer);
    };
    return {
      ...inner,
      sendRequest(actorId, request) {
        routed(actorId);
        return inner.sendRequest(actorId, request);
      },
      proxyRequest(actorId, request) {
        routed(actorId);
        return inner.proxyRequest(actorId, request);
      },
      openWebSocket(actorId, request) {
        routed(actorId);
        return inner.openWebSocket(actorId, request);
      },
      proxyWebSocket(actorId, request, socket) {
        routed(actorId);
        return inner.proxyWebSocket(actorId, request, socket);
      },
    };
  },
});

/**
 * ROUTE-5 broken: proxyWebSocket relays frames one task late and a close discards what is still
 * waiting, so the last message before a close is lost, in either direction.
 */
import { type Frame, filterBridges } from "./support/bridge.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ROUTE-5",
  description: "proxyWebSocket drops frames still in its relay queue when either side closes",
  suites: ["driver-routing"],
  grep: "proxy-websocket",
};

/** A relay queue flushed on the next task; `drop()` forgets what it holds. */
function relay(deliver: (data: Frame) => void) {
  const queue: Frame[] = [];
  return {
    push(data: Frame): Frame[] {
      if (queue.push(data) === 1) {
        setImmediate(() => {
          for (const frame of queue.splice(0)) deliver(frame);
        });
      }
      return [];
    },
    drop() {
      queue.length = 0;
    },
  };
}

export default mutantDriver("route-proxy-drops-last-frame", "memory", {
  manager: (inner) =>
    filterBridges(
      inner,
      (info) => {
        const toClient = relay(info.deliverToClient);
        const toActor = relay(info.deliverToActor);
        return {
          toClient: (data) => toClient.push(data),
          toActor: (data) => toActor.push(data),
          actorClose(code, reason) {
            toClient.drop();
            return [code, reason];
          },
          clientClose(code, reason) {
            toActor.drop();
            return [code, reason];
          },
        };
      },
      ["proxy"],
    ),
});

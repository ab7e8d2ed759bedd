/**
 * CONN-5 broken: event frames are routed by event name to the connection that subscribed last,
 * whichever connection the actor sent them to.
 */
import type { BridgeInfo, Frame } from "./support/bridge.ts";
import { filterBridges } from "./support/bridge.ts";
import { clientFrame, onMessages } from "./support/messages.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "CONN-5",
  description: "event frames go to the actor's last subscriber of that event, not their connection",
  suites: ["connections"],
  grep: "conn-send-reaches-one",
  transport: "websocket",
};

type Subscriber = { info: BridgeInfo; deliver(data: Frame): void };

export default mutantDriver("conn-events-to-last-subscriber", "memory", {
  manager: (inner) => {
    const lastSubscriber = new Map<string, Subscriber>();
    return filterBridges(
      inner,
      onMessages((info) => {
        const self: Subscriber = { info, deliver: info.deliverToClient };
        return {
          toActor(message, data) {
            if (message.type === "subscribe") {
              lastSubscriber.set(JSON.stringify([info.actorId, message.event]), self);
            }
            return [data];
          },
          toClient(message, data) {
            if (message.type !== "event") return [data];
            const target = lastSubscriber.get(JSON.stringify([info.actorId, message.name]));
            if (!target || target === self) return [data];
            target.deliver(clientFrame(message, target.info.encoding ?? info.encoding));
            return [];
          },
        };
      }),
    );
  },
});

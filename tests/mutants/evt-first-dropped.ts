/** EVT-1 broken: the first event after each subscribe is lost on the way to the client. */
import { filterBridges } from "./support/bridge.ts";
import { onMessages } from "./support/messages.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "EVT-1",
  description: "WebSocket bridges drop the first event frame after each subscribe",
  suites: ["events"],
  grep: "broadcast-reaches-subscribers",
  transport: "websocket",
};

export default mutantDriver("evt-first-dropped", "memory", {
  manager: (inner) =>
    filterBridges(
      inner,
      onMessages(() => {
        const fresh = new Set<string>();
        return {
          toActor(message, data) {
            if (message.type === "subscribe") fresh.add(message.event);
            return [data];
          },
          toClient(message, data) {
            if (message.type === "event" && fresh.delete(message.name)) return [];
            return [data];
          },
        };
      }),
    ),
});

/** EVT-3 broken: neighbouring event frames reach the client swapped. */
import { filterBridges, swapPairs } from "./support/bridge.ts";
import { readClientFrame } from "./support/messages.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "EVT-3",
  description: "WebSocket bridges swap neighbouring event frames",
  suites: ["events"],
  grep: "hundred-events",
  transport: "websocket",
};

export default mutantDriver("evt-reordered", "memory", {
  manager: (inner) =>
    filterBridges(inner, (info) => {
      const encoding = info.encoding;
      if (encoding === undefined) return {};
      const isEvent = (data: string | ArrayBuffer) =>
        readClientFrame(data, encoding)?.type === "event";
      return { toClient: swapPairs(info.deliverToClient, isEvent) };
    }),
});

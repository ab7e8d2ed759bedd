/** ROUTE-3 broken: openWebSocket swaps neighbouring frames from the actor. */
import { filterBridges, swapPairs } from "./support/bridge.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ROUTE-3",
  description: "openWebSocket delivers the actor's frames with neighbours swapped",
  suites: ["driver-routing"],
  grep: "open-websocket",
};

export default mutantDriver("route-open-reorders", "memory", {
  manager: (inner) =>
    filterBridges(inner, (info) => ({ toClient: swapPairs(info.deliverToClient) }), ["open"]),
});

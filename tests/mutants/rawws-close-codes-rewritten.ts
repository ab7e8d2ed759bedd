/** RAWWS-4 broken: proxyWebSocket closes every bridge with 1000 and no reason. */
import { filterBridges } from "./support/bridge.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "RAWWS-4",
  description: "proxyWebSocket replaces close codes and reasons with 1000 and an empty reason",
  suites: ["raw-websocket"],
  grep: "close-",
};

export default mutantDriver("rawws-close-codes-rewritten", "memory", {
  manager: (inner) =>
    filterBridges(inner, () => ({ actorClose: () => [1000, ""], clientClose: () => [1000, ""] }), [
      "proxy",
    ]),
});

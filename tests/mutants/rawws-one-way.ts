/** RAWWS-1 broken: proxyWebSocket carries raw sockets one way only: client frames are lost. */
import { filterBridges } from "./support/bridge.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "RAWWS-1",
  description: "proxyWebSocket drops every frame a raw WebSocket client sends",
  suites: ["raw-websocket"],
  grep: "messages-both-ways",
};

export default mutantDriver("rawws-one-way", "memory", {
  manager: (inner) =>
    filterBridges(inner, (info) => (info.encoding === undefined ? { toActor: () => [] } : {}), [
      "proxy",
    ]),
});

/** CONN-9 broken: the actor never learns that a client closed its connection socket. */
import { filterBridges } from "./support/bridge.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "CONN-9",
  description:
    "WebSocket bridges hide the client's close from the actor, so onDisconnect never runs",
  suites: ["connections"],
  grep: "on-disconnect|disconnects-once",
  transport: "websocket",
};

export default mutantDriver("conn-client-close-hidden", "memory", {
  manager: (inner) =>
    filterBridges(inner, (info) =>
      info.encoding === undefined ? {} : { clientClose: () => null },
    ),
});

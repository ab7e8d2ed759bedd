/** CONN-6 broken: a close the actor starts never reaches the client's socket. */
import { filterBridges } from "./support/bridge.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "CONN-6",
  description:
    "WebSocket bridges swallow the actor's close, so conn.disconnect leaves the client open",
  suites: ["connections"],
  grep: "conn-disconnect-closes-client|wire-websocket-disconnect-closes",
  transport: "websocket",
};

export default mutantDriver("conn-server-close-lost", "memory", {
  manager: (inner) =>
    filterBridges(inner, (info) => (info.encoding === undefined ? {} : { actorClose: () => null })),
});

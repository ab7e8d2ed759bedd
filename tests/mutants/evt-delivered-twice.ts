/** EVT-3 broken: every event frame reaches the client twice. */
import { filterBridges } from "./support/bridge.ts";
import { onMessages } from "./support/messages.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "EVT-3",
  description: "WebSocket bridges deliver each event frame twice",
  suites: ["events"],
  grep: "hundred-events|event-before-reply",
  transport: "websocket",
};

export default mutantDriver("evt-delivered-twice", "memory", {
  manager: (inner) =>
    filterBridges(
      inner,
      onMessages(() => ({
        toClient: (message, data) => (message.type === "event" ? [data, data] : [data]),
      })),
    ),
});

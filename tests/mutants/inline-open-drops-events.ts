/** INLINE-2 broken: sockets opened by openWebSocket (the inline client's) never carry events. */
import { filterBridges } from "./support/bridge.ts";
import { onMessages } from "./support/messages.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "INLINE-2",
  description: "openWebSocket drops every event frame, so inline connections get no events",
  suites: ["inline-client"],
  grep: "connection-receives-events",
};

export default mutantDriver("inline-open-drops-events", "memory", {
  manager: (inner) =>
    filterBridges(
      inner,
      onMessages(() => ({
        toClient: (message, data) => (message.type === "event" ? [] : [data]),
      })),
      ["open"],
    ),
});

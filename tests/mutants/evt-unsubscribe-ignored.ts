/** EVT-2 broken: unsubscribe messages never reach the actor, so events keep coming. */
import { filterBridges } from "./support/bridge.ts";
import { onMessages } from "./support/messages.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "EVT-2",
  description: "WebSocket bridges drop the client's unsubscribe messages",
  suites: ["events"],
  grep: "unsubscribe|unsubscribed",
  transport: "websocket",
};

export default mutantDriver("evt-unsubscribe-ignored", "memory", {
  manager: (inner) =>
    filterBridges(
      inner,
      onMessages(() => ({
        toActor: (message, data) => (message.type === "unsubscribe" ? [] : [data]),
      })),
    ),
});

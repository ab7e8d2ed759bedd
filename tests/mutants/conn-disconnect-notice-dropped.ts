/**
 * CONN-13 broken: WebSocket bridges drop the actor's last message before its close, here the
 * `disconnect` notice of `conn.disconnect(reason)`, so the client sees a bare close and takes it
 * for a drop it should reconnect after.
 */
import { filterBridges } from "./support/bridge.ts";
import { onMessages } from "./support/messages.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "CONN-13",
  description: "WebSocket bridges drop the disconnect notice sent just before the actor's close",
  suites: ["connections"],
  grep: "kick-sticks",
  transport: "websocket",
};

export default mutantDriver("conn-disconnect-notice-dropped", "memory", {
  manager: (inner) =>
    filterBridges(
      inner,
      onMessages(() => ({
        toActor: (_message, data) => [data],
        toClient: (message, data) => (message.type === "disconnect" ? [] : [data]),
      })),
    ),
});

/** ROUTE-3 broken: openWebSocket hands binary frames from the actor to the caller as text. */
import { filterBridges } from "./support/bridge.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ROUTE-3",
  description: "openWebSocket decodes the actor's binary frames as UTF-8 and delivers text frames",
  suites: ["driver-routing"],
  grep: "open-websocket",
};

export default mutantDriver("route-open-binary-as-text", "memory", {
  manager: (inner) =>
    filterBridges(
      inner,
      () => ({
        toClient: (data) => [typeof data === "string" ? data : new TextDecoder().decode(data)],
      }),
      ["open"],
    ),
});

/** RAWWS-2 broken: proxyWebSocket turns binary frames into text frames, both ways. */
import { type Frame, filterBridges } from "./support/bridge.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "RAWWS-2",
  description: "proxyWebSocket relays binary frames as UTF-8-decoded text frames",
  suites: ["raw-websocket"],
  grep: "text-and-binary",
};

const asText = (data: Frame): Frame[] => [
  typeof data === "string" ? data : new TextDecoder().decode(data),
];

export default mutantDriver("rawws-binary-as-text", "memory", {
  manager: (inner) =>
    filterBridges(
      inner,
      (info) => (info.encoding === undefined ? { toClient: asText, toActor: asText } : {}),
      ["proxy"],
    ),
});

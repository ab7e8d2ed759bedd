/**
 * RAWWS-2 broken the way a relay whose read loop treats a zero-length read as "nothing to send"
 * breaks it: empty messages are never forwarded.
 */
import { type Frame, filterBridges } from "./support/bridge.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "RAWWS-2",
  description: "zero-length binary and text messages are dropped by the relay",
  suites: ["input-domains"],
  grep: "frame-sizes",
};

const dropEmpty = (data: Frame): Frame[] =>
  (typeof data === "string" ? data.length : data.byteLength) === 0 ? [] : [data];

export default mutantDriver("rawws-empty-frame-dropped", "memory", {
  manager: (inner) =>
    filterBridges(inner, (info) =>
      info.encoding === undefined ? { toActor: dropEmpty, toClient: dropEmpty } : {},
    ),
});

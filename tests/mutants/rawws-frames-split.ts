/**
 * RAWWS-2 broken the way a relay with a 64 KiB frame buffer breaks it: a binary message longer
 * than 65,536 bytes is forwarded as several messages of at most 65,536 bytes each.
 */
import { type Frame, filterBridges } from "./support/bridge.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "RAWWS-2",
  description: "binary messages over 65,536 bytes split into several messages by the relay",
  suites: ["input-domains"],
  grep: "frame-sizes",
};

const LIMIT = 65_536;

const split = (data: Frame): Frame[] => {
  if (typeof data === "string" || data.byteLength <= LIMIT) return [data];
  const parts: Frame[] = [];
  for (let at = 0; at < data.byteLength; at += LIMIT) parts.push(data.slice(at, at + LIMIT));
  return parts;
};

export default mutantDriver("rawws-frames-split", "memory", {
  manager: (inner) =>
    filterBridges(inner, (info) =>
      info.encoding === undefined ? { toActor: split, toClient: split } : {},
    ),
});

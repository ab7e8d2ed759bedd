/**
 * RAWWS-2 broken the way a relay that buffers a stream and flushes it as one message breaks it
 * (treating WebSocket messages as a byte stream, Nagle style): binary messages arriving within
 * 10 ms of each other are joined into one.
 */
import { type Frame, filterBridges } from "./support/bridge.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "RAWWS-2",
  description: "binary messages arriving within 10 ms are coalesced into one message",
  suites: ["input-domains"],
  grep: "frame-sizes",
};

function coalescer(deliver: (data: Frame) => void): (data: Frame) => Frame[] {
  let held: Uint8Array[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (data) => {
    if (typeof data === "string") return [data];
    held.push(new Uint8Array(data));
    clearTimeout(timer);
    timer = setTimeout(() => {
      const total = held.reduce((n, b) => n + b.length, 0);
      const joined = new Uint8Array(total);
      let at = 0;
      for (const b of held) {
        joined.set(b, at);
        at += b.length;
      }
      held = [];
      deliver(joined.buffer);
    }, 10);
    return [];
  };
}

export default mutantDriver("rawws-frames-coalesced", "memory", {
  manager: (inner) =>
    filterBridges(inner, (info) =>
      info.encoding === undefined ? { toActor: coalescer(info.deliverToActor) } : {},
    ),
});

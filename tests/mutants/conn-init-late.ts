/** CONN-8 broken: the init message is held back and delivered after the next frame. */
import { filterBridges, swapPairs } from "./support/bridge.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "CONN-8",
  description: "WebSocket bridges deliver init after the frame that follows it",
  suites: ["connections"],
  grep: "init-first",
  transport: "websocket",
};

export default mutantDriver("conn-init-late", "memory", {
  manager: (inner) =>
    filterBridges(inner, (info) => {
      const encoding = info.encoding;
      if (encoding === undefined) return {};
      let seen = 0;
      // The init and the frame after it take part; later frames pass straight through.
      const early = () => ++seen <= 2;
      const swap = swapPairs(info.deliverToClient, early);
      return { toClient: (data) => swap(data) };
    }),
});

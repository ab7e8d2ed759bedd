/** RAWWS-3 broken: proxyWebSocket forwards raw WebSockets without their query string. */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "RAWWS-3",
  description: "proxyWebSocket drops the query string of raw WebSocket paths",
  suites: ["raw-websocket"],
  grep: "subpath-and-query|wire-paths",
};

export default mutantDriver("rawws-drops-query", "memory", {
  manager: (inner) => ({
    ...inner,
    proxyWebSocket(actorId, request, socket) {
      const url = new URL(request.url);
      url.search = "";
      return inner.proxyWebSocket(actorId, new Request(url, { headers: request.headers }), socket);
    },
  }),
});

/** CONN-2 broken: connection params are stripped from every request the driver forwards. */
import type { ManagerDriver } from "../../runtime/driver/index.ts";
import { filterHttp, rebuildRequest } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "CONN-2",
  description: "the driver drops the x-actor-conn-params header on every hop",
  suites: ["connections"],
  grep: "params-reach-every-hook",
  transport: "websocket",
};

function withoutParams(request: Request): Request {
  const headers = new Headers(request.headers);
  headers.delete("x-actor-conn-params");
  return new Request(request, { headers });
}

export default mutantDriver("conn-params-dropped", "memory", {
  manager: (inner): ManagerDriver => {
    const http = filterHttp(inner, {
      request(request) {
        const headers = new Headers(request.headers);
        headers.delete("x-actor-conn-params");
        return rebuildRequest(request, { headers });
      },
    });
    return {
      ...http,
      openWebSocket: (id, request) => inner.openWebSocket(id, withoutParams(request)),
      proxyWebSocket: (id, request, socket) =>
        inner.proxyWebSocket(id, withoutParams(request), socket),
    };
  },
});

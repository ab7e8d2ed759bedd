/** AUTH-4 broken: what onAuth returned never reaches the actor: the driver drops its header. */
import type { ManagerDriver } from "../../runtime/driver/index.ts";
import { filterHttp, rebuildRequest } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "AUTH-4",
  description: "proxyRequest and proxyWebSocket drop the x-actor-internal-auth-data header",
  suites: ["auth"],
  grep: "auth-data-exact",
};

function withoutAuth(headers: Headers): Headers {
  const copy = new Headers(headers);
  copy.delete("x-actor-internal-auth-data");
  return copy;
}

export default mutantDriver("auth-data-dropped", "memory", {
  manager: (inner): ManagerDriver => ({
    ...filterHttp(
      inner,
      { request: (request) => rebuildRequest(request, { headers: withoutAuth(request.headers) }) },
      ["proxyRequest"],
    ),
    proxyWebSocket: (id, request, socket) =>
      inner.proxyWebSocket(
        id,
        new Request(request.url, { headers: withoutAuth(request.headers) }),
        socket,
      ),
  }),
});

/** ERR-3 broken: the driver asks the actor router to expose internal errors on public paths. */
import { filterHttp, rebuildRequest } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ERR-3",
  description: "proxyRequest and proxyWebSocket add x-actor-internal-expose-errors: 1",
  suites: ["errors"],
  grep: "masked-publicly",
};

function exposing(headers: Headers): Headers {
  const copy = new Headers(headers);
  copy.set("x-actor-internal-expose-errors", "1");
  return copy;
}

export default mutantDriver("err-internal-exposed", "memory", {
  manager: (inner) => ({
    ...filterHttp(
      inner,
      {
        request: (request) => rebuildRequest(request, { headers: exposing(request.headers) }),
      },
      ["proxyRequest"],
    ),
    proxyWebSocket: (id, request, socket) =>
      inner.proxyWebSocket(
        id,
        new Request(request.url, { headers: exposing(request.headers) }),
        socket,
      ),
  }),
});

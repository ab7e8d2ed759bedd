/** ERR-4 broken: sendRequest strips the inline client's request to see internal errors. */
import type { ManagerDriver } from "../../runtime/driver/index.ts";
import { filterHttp, rebuildRequest } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ERR-4",
  description: "sendRequest and openWebSocket drop x-actor-internal-expose-errors",
  suites: ["errors"],
  grep: "shown-inline",
};

function masked(headers: Headers): Headers {
  const copy = new Headers(headers);
  copy.delete("x-actor-internal-expose-errors");
  return copy;
}

export default mutantDriver("err-inline-masked", "memory", {
  manager: (inner): ManagerDriver => ({
    ...filterHttp(
      inner,
      { request: (request) => rebuildRequest(request, { headers: masked(request.headers) }) },
      ["sendRequest"],
    ),
    openWebSocket: (id, request) =>
      inner.openWebSocket(id, new Request(request.url, { headers: masked(request.headers) })),
  }),
});

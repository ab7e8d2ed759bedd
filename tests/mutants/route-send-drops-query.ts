/** ROUTE-1 broken: sendRequest loses the query string on its way to the actor. */
import { filterHttp, rebuildRequest } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ROUTE-1",
  description: "sendRequest delivers the request without its query string",
  suites: ["driver-routing"],
  grep: "send-request",
};

export default mutantDriver("route-send-drops-query", "memory", {
  manager: (inner) =>
    filterHttp(
      inner,
      {
        request(request) {
          const url = new URL(request.url);
          url.search = "";
          return rebuildRequest(request, { url: url.href });
        },
      },
      ["sendRequest"],
    ),
});

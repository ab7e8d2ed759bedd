/** ROUTE-4 broken: proxyRequest sends PUT, PATCH and DELETE as POST. */
import { filterHttp, rebuildRequest } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ROUTE-4",
  description: "proxyRequest forwards PUT, PATCH and DELETE requests as POST",
  suites: ["driver-routing", "raw-http-request"],
  grep: "proxy-request|methods-reach-actor",
};

export default mutantDriver("route-proxy-rewrites-method", "memory", {
  manager: (inner) =>
    filterHttp(
      inner,
      {
        request: (request) =>
          ["PUT", "PATCH", "DELETE"].includes(request.method)
            ? rebuildRequest(request, { method: "POST" })
            : request,
      },
      ["proxyRequest"],
    ),
});

/** ROUTE-4 broken: proxyRequest keeps only the protocol's own headers of an `x-` name. */
import { filterHttp, rebuildRequest } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ROUTE-4",
  description: "proxyRequest drops custom x- headers (it forwards only x-actor-* ones)",
  suites: ["driver-routing", "raw-http-request"],
  grep: "proxy-request|header-values",
};

export default mutantDriver("route-proxy-drops-headers", "memory", {
  manager: (inner) =>
    filterHttp(
      inner,
      {
        request(request) {
          const headers = new Headers();
          for (const [name, value] of request.headers) {
            if (!name.startsWith("x-") || name.startsWith("x-actor-")) headers.append(name, value);
          }
          return rebuildRequest(request, { headers });
        },
      },
      ["proxyRequest"],
    ),
});

/** ROUTE-4 broken: proxyRequest forwards raw HTTP requests without their body. */
import { actorPath, filterHttp, rebuildRequest } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ROUTE-4",
  description: "proxyRequest forwards raw HTTP requests with an empty body",
  suites: ["driver-routing"],
  grep: "proxy-request",
};

export default mutantDriver("route-proxy-drops-body", "memory", {
  manager: (inner) =>
    filterHttp(
      inner,
      {
        request: (request) =>
          actorPath(request).startsWith("/raw/http")
            ? rebuildRequest(request, { body: null })
            : request,
      },
      ["proxyRequest"],
    ),
});

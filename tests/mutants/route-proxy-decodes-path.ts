/** ROUTE-6 broken: proxyRequest percent-decodes the raw subpath before forwarding it. */
import { actorPath, filterHttp, rebuildRequest } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ROUTE-6",
  description: "proxyRequest decodes %XX escapes in raw paths (so %2F becomes a separator)",
  suites: ["raw-http-request", "raw-http"],
  grep: "encoded|slash|query",
};

export default mutantDriver("route-proxy-decodes-path", "memory", {
  manager: (inner) =>
    filterHttp(
      inner,
      {
        request(request) {
          if (!actorPath(request).startsWith("/raw/http")) return request;
          const url = new URL(request.url);
          url.pathname = decodeURIComponent(url.pathname);
          return rebuildRequest(request, { url: url.href });
        },
      },
      ["proxyRequest"],
    ),
});

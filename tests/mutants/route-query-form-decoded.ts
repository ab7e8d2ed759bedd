/**
 * ROUTE-6 broken the way a relay that rebuilds the query string through a form decoder breaks
 * it: pairs are parsed as application/x-www-form-urlencoded and serialised again, so `+` becomes
 * `%2B`-free spaces, `%2B` becomes `+`, and empty pairs vanish.
 */
import { filterHttp, rebuildRequest } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ROUTE-6",
  description:
    "query strings re-serialised through URLSearchParams: + and %2B and empty pairs change",
  suites: ["input-domains"],
  grep: "paths-and-queries",
};

export default mutantDriver("route-query-form-decoded", "memory", {
  manager: (inner) =>
    filterHttp(inner, {
      request(request) {
        const url = new URL(request.url);
        if (url.search === "") return request;
        const pairs = [...new URLSearchParams(url.search)].filter(([k, v]) => k !== "" || v !== "");
        url.search = pairs.map(([k, v]) => `${k}=${v}`).join("&");
        return rebuildRequest(request, { url: url.href });
      },
    }),
});

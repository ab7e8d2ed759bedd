/**
 * ROUTE-6 broken the way a proxy with `merge_slashes on` (nginx's default) breaks it: runs of
 * slashes in the raw subpath collapse to one, so `//` reaches onFetch as `/`.
 */
import { filterHttp, rebuildRequest } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ROUTE-6",
  description: "runs of slashes in raw subpaths merged into one, as nginx merge_slashes does",
  suites: ["input-domains"],
  grep: "paths-and-queries",
};

export default mutantDriver("route-slashes-merged", "memory", {
  manager: (inner) =>
    filterHttp(inner, {
      request(request) {
        const url = new URL(request.url);
        const merged = url.pathname.replace(/\/{2,}/g, "/");
        if (merged === url.pathname) return request;
        url.pathname = merged;
        return rebuildRequest(request, { url: url.href });
      },
    }),
});

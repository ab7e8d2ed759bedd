/**
 * RAWHTTP-1 broken the way HTTP libraries that skip empty header values break it: a relay copying
 * headers with `if (value) headers.set(name, value)` drops every header whose value is empty.
 */
import { actorPath, filterHttp, rebuildRequest } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "RAWHTTP-1",
  description: "headers with an empty value are dropped on the way to onFetch",
  suites: ["input-domains"],
  grep: "header-sets",
};

export default mutantDriver("rawhttp-empty-header-dropped", "memory", {
  manager: (inner) =>
    filterHttp(inner, {
      request(request) {
        if (!actorPath(request).startsWith("/raw/http")) return request;
        const headers = new Headers();
        for (const [name, value] of request.headers) if (value) headers.set(name, value);
        return rebuildRequest(request, { headers });
      },
    }),
});

/** RAWHTTP-1 broken: proxyRequest forwards at most 64 KiB of a raw HTTP request body. */
import { actorPath, filterHttp, rebuildRequest } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "RAWHTTP-1",
  description: "proxyRequest truncates raw HTTP request bodies to 65,536 bytes",
  suites: ["raw-http-request"],
  grep: "large-bodies",
};

export default mutantDriver("rawhttp-large-body-truncated", "memory", {
  manager: (inner) =>
    filterHttp(
      inner,
      {
        async request(request) {
          if (!actorPath(request).startsWith("/raw/http") || request.body === null) return request;
          const body = (await request.arrayBuffer()).slice(0, 65_536);
          return rebuildRequest(request, { body });
        },
      },
      ["proxyRequest"],
    ),
});

/** RAWHTTP-2 broken: raw HTTP response bodies pass through a UTF-8 text decoder. */
import { actorPath, filterHttp } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "RAWHTTP-2",
  description: "proxyRequest re-encodes raw HTTP response bodies as UTF-8 text, corrupting binary",
  suites: ["raw-http"],
  grep: "binary",
};

export default mutantDriver("rawhttp-binary-mangled", "memory", {
  manager: (inner) =>
    filterHttp(
      inner,
      {
        async response(response, request) {
          if (!actorPath(request).startsWith("/raw/http") || response.body === null) {
            return response;
          }
          const text = new TextDecoder().decode(await response.arrayBuffer());
          const headers = new Headers(response.headers);
          headers.delete("content-length");
          return new Response(text, { status: response.status, headers });
        },
      },
      ["proxyRequest"],
    ),
});

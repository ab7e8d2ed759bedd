/**
 * AUTH-5 broken the way a hop that normalises header names CGI-style breaks it (nginx with
 * `underscores_in_headers`, a WSGI bridge, a gateway that percent-decodes names): `_` becomes
 * `-` and `%2D` becomes `-` after the router stripped the internal headers, so a client's
 * `x_actor_internal_auth_data` arrives as `x-actor-internal-auth-data`.
 */
import { filterHttp, rebuildRequest } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "AUTH-5",
  description:
    "header names normalised after the router: x_actor_internal_* becomes an internal header",
  suites: ["auth"],
  grep: "internal-headers-stripped-http",
};

export default mutantDriver("auth-underscore-headers-normalized", "memory", {
  manager: (inner) =>
    filterHttp(inner, {
      request(request) {
        const headers = new Headers();
        for (const [name, value] of request.headers) {
          headers.set(
            name.replaceAll("_", "-").replaceAll("%2d", "-").replaceAll("%2D", "-"),
            value,
          );
        }
        return rebuildRequest(request, { headers });
      },
    }),
});

/** ERR-2 broken: user error replies to stateless actions are replaced by a masked internal error. */
import { ERROR_CATALOGUE, MASKED_MESSAGE } from "../../runtime/actor/errors.ts";
import { rewriteBody } from "./support/bodies.ts";
import { actorPath, filterHttp } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ERR-2",
  description: "proxyRequest masks UserError replies as internal_error",
  suites: ["errors"],
  grep: "user-error-stateless",
};

export default mutantDriver("err-user-errors-masked", "memory", {
  manager: (inner) =>
    filterHttp(
      inner,
      {
        response(response, request) {
          if (response.ok || !actorPath(request).startsWith("/action/")) return response;
          return rewriteBody(response, (value) => {
            const code = (value as { code?: string } | null)?.code ?? "";
            return Object.hasOwn(ERROR_CATALOGUE, code)
              ? value
              : { code: "internal_error", message: MASKED_MESSAGE };
          });
        },
      },
      ["proxyRequest"],
    ),
});

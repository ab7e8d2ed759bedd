/**
 * ACT-2 broken the way a binary column or codec that stores zero-length blobs as NULL breaks it:
 * every empty Uint8Array in a CBOR reply becomes null.
 */
import { deepMap, rewriteBody } from "./support/bodies.ts";
import { actorPath, filterHttp } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ACT-2",
  description: "empty byte arrays in CBOR action replies come back as null",
  suites: ["input-domains"],
  grep: "generated-values",
};

export default mutantDriver("act-empty-bytes-as-null", "memory", {
  manager: (inner) =>
    filterHttp(inner, {
      response: (response, request) =>
        actorPath(request).startsWith("/action/")
          ? rewriteBody(response, (value, encoding) =>
              ["cbor"].includes(encoding)
                ? deepMap(value, (v) => (v instanceof Uint8Array && v.length === 0 ? null : v))
                : value,
            )
          : response,
    }),
});

/** ERR-1 broken: error responses are flattened to a plain-text line, losing code and metadata. */

import { decodeValue } from "../../runtime/protocol/encoding.ts";
import { bodyEncoding } from "./support/bodies.ts";
import { filterHttp } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ERR-1",
  description: "proxyRequest turns structured error responses into text/plain messages",
  suites: ["errors"],
  grep: "error-wire-form",
};

export default mutantDriver("err-body-flattened", "memory", {
  manager: (inner) =>
    filterHttp(
      inner,
      {
        async response(response) {
          const encoding = bodyEncoding(response);
          if (response.ok || encoding === undefined) return response;
          const bytes = new Uint8Array(await response.arrayBuffer());
          const error = decodeValue(bytes, encoding) as { message?: string };
          return new Response(`Error: ${error?.message ?? "unknown"}`, {
            status: response.status,
            headers: { "content-type": "text/plain; charset=utf-8" },
          });
        },
      },
      ["proxyRequest"],
    ),
});

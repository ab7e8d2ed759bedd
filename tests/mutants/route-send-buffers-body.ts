/** ROUTE-2 broken: sendRequest reads the whole response body before returning it. */
import { filterHttp } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ROUTE-2",
  description: "sendRequest buffers response bodies, so an SSE stream never reaches the caller",
  suites: ["driver-routing"],
  grep: "send-request-streams",
};

export default mutantDriver("route-send-buffers-body", "memory", {
  manager: (inner) =>
    filterHttp(
      inner,
      {
        async response(response) {
          const body = await response.arrayBuffer();
          return new Response(body, { status: response.status, headers: response.headers });
        },
      },
      ["sendRequest"],
    ),
});

/**
 * ACT-6 broken the way a relay with a retry policy on server errors breaks it (an Envoy or load
 * balancer route with `retry_on: 5xx`): a request answered 500, 502, 503 or 504 is sent once more,
 * so a failing or timed-out stateless action runs its connection hooks twice.
 */
import { filterHttp } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ACT-6",
  description: "requests answered 500/502/503/504 are retried once by the relay",
  suites: ["actions"],
  grep: "on-failure-and-timeout",
};

const RETRIED = new Set([500, 502, 503, 504]);

export default mutantDriver("act-retried-on-5xx", "memory", {
  manager: (inner) => {
    const retrying =
      (via: "sendRequest" | "proxyRequest") => async (actorId: string, request: Request) => {
        const spare = request.clone();
        const response = await inner[via](actorId, request);
        if (!RETRIED.has(response.status)) return response;
        await response.arrayBuffer();
        return inner[via](actorId, spare);
      };
    return filterHttp(
      { ...inner, sendRequest: retrying("sendRequest"), proxyRequest: retrying("proxyRequest") },
      {},
    );
  },
});

/** ACT-6 broken: proxyRequest sends every stateless action twice and returns the second reply. */
import { actorPath } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ACT-6",
  description: "proxyRequest retries every action request once, even after a reply",
  suites: ["actions"],
  grep: "stateless-action-hooks",
};

export default mutantDriver("act-request-retried", "memory", {
  manager: (inner) => ({
    ...inner,
    async proxyRequest(actorId, request) {
      if (!actorPath(request).startsWith("/action/")) return inner.proxyRequest(actorId, request);
      const body = await request.arrayBuffer();
      const copy = () =>
        new Request(request.url, { method: "POST", headers: request.headers, body });
      await (await inner.proxyRequest(actorId, copy())).arrayBuffer();
      return inner.proxyRequest(actorId, copy());
    },
  }),
});

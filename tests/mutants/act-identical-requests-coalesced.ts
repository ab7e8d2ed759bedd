/**
 * ACT-5 broken: proxyRequest coalesces identical action requests in flight, answering them all
 * with the first one's reply, so concurrent calls are lost.
 */
import { actorPath } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ACT-5",
  description: "proxyRequest answers identical concurrent action requests with one shared reply",
  suites: ["actions"],
  grep: "concurrent-actions ",
};

interface Shared {
  status: number;
  headers: Headers;
  body: ArrayBuffer;
}

export default mutantDriver("act-identical-requests-coalesced", "memory", {
  manager: (inner) => {
    const inFlight = new Map<string, Promise<Shared>>();
    return {
      ...inner,
      async proxyRequest(actorId, request) {
        if (!actorPath(request).startsWith("/action/")) return inner.proxyRequest(actorId, request);
        const body = await request.arrayBuffer();
        const headers = [...request.headers].join(";");
        const key = JSON.stringify([actorId, request.url, headers, [...new Uint8Array(body)]]);
        let shared = inFlight.get(key);
        if (!shared) {
          const forwarded = new Request(request.url, {
            method: "POST",
            headers: request.headers,
            body,
          });
          shared = inner.proxyRequest(actorId, forwarded).then(async (response) => ({
            status: response.status,
            headers: response.headers,
            body: await response.arrayBuffer(),
          }));
          inFlight.set(key, shared);
          shared.finally(() => inFlight.delete(key)).catch(() => undefined);
        }
        const reply = await shared;
        return new Response(reply.body.slice(0), { status: reply.status, headers: reply.headers });
      },
    };
  },
});

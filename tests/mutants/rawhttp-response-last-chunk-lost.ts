/**
 * RAWHTTP-2 broken the way a relay that copies bodies in fixed 16 KiB blocks breaks it: the copy
 * loop writes only full blocks, so the last partial block of a response body whose length is not
 * a multiple of 16,384 is lost (bodies of 16 KiB multiples, and small test bodies in one block
 * read, pass).
 */
import { actorPath, filterHttp } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "RAWHTTP-2",
  description:
    "response bodies copied in 16 KiB blocks: the last partial block of a longer body is lost",
  suites: ["input-domains"],
  grep: "body-sizes",
};

const BLOCK = 16_384;

export default mutantDriver("rawhttp-response-last-chunk-lost", "memory", {
  manager: (inner) =>
    filterHttp(inner, {
      async response(response, request) {
        if (!actorPath(request).startsWith("/raw/http")) return response;
        const bytes = new Uint8Array(await response.arrayBuffer());
        const kept =
          bytes.length > BLOCK ? bytes.slice(0, bytes.length - (bytes.length % BLOCK)) : bytes;
        const headers = new Headers(response.headers);
        headers.delete("content-length");
        return new Response(kept, { status: response.status, headers });
      },
    }),
});

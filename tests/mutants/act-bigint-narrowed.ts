/** ACT-2 broken: CBOR action replies are re-encoded with every BigInt turned into a Number. */
import { rewriteBody } from "./support/bodies.ts";
import { actorPath, filterHttp } from "./support/http.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "ACT-2",
  description: "proxyRequest re-encodes CBOR action replies, narrowing BigInt values to Number",
  suites: ["values"],
  grep: "actor-to-client|echo-round-trip",
};

function narrow(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (Array.isArray(value)) return value.map(narrow);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [narrow(k), narrow(v)]));
  if (value instanceof Set) return new Set([...value].map(narrow));
  if (
    value !== null &&
    typeof value === "object" &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, narrow(v)]));
  }
  return value;
}

export default mutantDriver("act-bigint-narrowed", "memory", {
  manager: (inner) =>
    filterHttp(
      inner,
      {
        response: (response, request) =>
          actorPath(request).startsWith("/action/")
            ? rewriteBody(response, (value, encoding) =>
                encoding === "cbor" ? narrow(value) : value,
              )
            : response,
      },
      ["proxyRequest"],
    ),
});

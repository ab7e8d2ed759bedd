/** PERSIST-4 broken: stored blobs lose BigInt, Map and Set: they are written as JSON-like data. */
import { decodeCbor, encodeCbor } from "../../runtime/protocol/values.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "PERSIST-4",
  description: "writePersistedData stores BigInt as Number, Map as an object and Set as an array",
  suites: ["restart"],
  grep: "values-survive",
};

function narrow(value: unknown): unknown {
  if (typeof value === "bigint") return Number(value);
  if (value instanceof Map) {
    return Object.fromEntries([...value].map(([k, v]) => [String(k), narrow(v)]));
  }
  if (value instanceof Set) return [...value].map(narrow);
  if (Array.isArray(value)) return value.map(narrow);
  if (
    value !== null &&
    typeof value === "object" &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, narrow(v)]));
  }
  return value;
}

export default mutantDriver("persist-values-narrowed", "file-system", {
  actorDriver: (inner) => ({
    ...inner,
    writePersistedData: (actorId, data) =>
      inner.writePersistedData(actorId, encodeCbor(narrow(decodeCbor(data)))),
  }),
});

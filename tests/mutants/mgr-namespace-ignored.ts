/**
 * MGR-9 broken the way a driver that never reads `ctx.namespace` breaks it: every start on a data
 * directory uses the same store, so a start under another namespace sees the first one's actors.
 */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "MGR-9",
  description: "the driver ignores ctx.namespace: every start on one dataDir shares one store",
  suites: ["driver-starts"],
  grep: "namespaces-isolated",
};

export default mutantDriver("mgr-namespace-ignored", "file-system", {
  // Without a namespace the file-system driver keeps its store at the data directory's root.
  context: (ctx) => ({ ...ctx, namespace: undefined as unknown as string }),
});

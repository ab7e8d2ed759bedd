/** DRV-4 broken: stop() resolves without stopping anything; actors keep answering. */
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "DRV-4",
  description: "stop() is a no-op: actors still answer and timers still run",
  suites: ["driver-routing"],
  grep: "stop-",
};

export default mutantDriver("drv-stop-leaves-actors", "memory", {
  instance: (inner) => ({ ...inner, stop: async () => {} }),
});

/** DRV-3 broken: the memory driver declares durable and "restarts" by starting empty. */
import { startMemoryDriver } from "../../reference-drivers/memory/index.ts";
import type { DriverInstance } from "../../runtime/driver/index.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "DRV-3",
  description: "declares durable, but restart() stops and starts a fresh memory driver",
  suites: ["driver-routing"],
  grep: "capability-works",
};

export default mutantDriver(
  "drv-claims-durable",
  "memory",
  {
    instance: (inner, env) => {
      const withRestart = (instance: DriverInstance): DriverInstance => ({
        ...instance,
        async restart() {
          await instance.stop();
          return withRestart(await startMemoryDriver(env.ctx));
        },
      });
      return withRestart(inner);
    },
  },
  { durable: true },
);

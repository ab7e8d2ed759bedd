/** DRV-1 broken: the started manager lacks getWithKey, though the definition looks complete. */
import type { ManagerDriver } from "../../runtime/driver/index.ts";
import { type MutantSpec, mutantDriver } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "DRV-1",
  description: "start() resolves a manager without getWithKey",
  suites: ["driver-routing"],
  grep: "definition-and-instance-shapes",
};

export default mutantDriver("drv-manager-incomplete", "memory", {
  manager: (inner) => {
    const { getWithKey: _dropped, ...rest } = inner;
    return rest as ManagerDriver;
  },
});

/**
 * DRV-2 broken: the module declares a contract version this toolkit does not certify. Written
 * without defineDriver (which refuses it too), as a hand-built module would be.
 */
import { startMemoryDriver } from "../../reference-drivers/memory/index.ts";
import type { MutantSpec } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "DRV-2",
  description: "the default export declares contractVersion 2",
  suites: ["driver-routing"],
  rejectedAt: "load",
  loadMessage: '"contractVersion" is 2',
};

export default {
  name: "mutant-drv-contract-version",
  contractVersion: 2,
  capabilities: { websocket: true, sse: true, schedule: true, durable: false },
  start: startMemoryDriver,
};

import { defineCloudflareWorkersDriver } from "../../reference-drivers/cloudflare-workers/index.ts";
import type { MutantSpec } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "MGR-2",
  description:
    "cloudflare-workers: getForId passes any id to idFromString unguarded, so an id of no object throws",
  suites: ["manager"],
  grep: "driver-get-for-id-unknown",
};

export default defineCloudflareWorkersDriver("mutant-cf-foreign-id-throws", {
  workerEntry: new URL("./support/cloudflare/foreign-id-throws.worker.ts", import.meta.url).href,
});

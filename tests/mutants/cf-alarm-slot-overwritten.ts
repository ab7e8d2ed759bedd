import { defineCloudflareWorkersDriver } from "../../reference-drivers/cloudflare-workers/index.ts";
import type { MutantSpec } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "SCHED-3",
  description:
    "cloudflare-workers: the one alarm slot of an object only moves later, so an event scheduled after a later one waits for it",
  suites: ["schedule"],
  grep: "earlier-event-after-a-later-one",
};

export default defineCloudflareWorkersDriver("mutant-cf-alarm-slot-overwritten", {
  workerEntry: new URL("./support/cloudflare/alarm-slot-keeps-later.worker.ts", import.meta.url)
    .href,
});

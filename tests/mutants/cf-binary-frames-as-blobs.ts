import { defineCloudflareWorkersDriver } from "../../reference-drivers/cloudflare-workers/index.ts";
import type { MutantSpec } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "RAWWS-2",
  description:
    "cloudflare-workers: sockets accepted without binaryType, so binary frames reach actors as Blobs",
  suites: ["raw-websocket"],
  grep: "text-and-binary-exact",
};

export default defineCloudflareWorkersDriver("mutant-cf-binary-frames-as-blobs", {
  workerEntry: new URL("./support/cloudflare/binary-as-blob.worker.ts", import.meta.url).href,
});

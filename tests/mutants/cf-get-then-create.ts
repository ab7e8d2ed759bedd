import {
  defineCloudflareWorkersDriver,
  startCloudflareWorkersDriver,
} from "../../reference-drivers/cloudflare-workers/index.ts";
import { defineDriver } from "../../runtime/driver/index.ts";
import type { MutantSpec } from "./support/mutate.ts";

export const mutant: MutantSpec = {
  clause: "MGR-4",
  description:
    "cloudflare-workers: getOrCreateWithKey looks the key up, then creates: racing callers lose with actor_already_exists",
  suites: ["manager"],
  grep: "concurrent-get-or-create",
};

const base = defineCloudflareWorkersDriver("mutant-cf-get-then-create");

export default defineDriver({
  ...base,
  async start(ctx) {
    const instance = await startCloudflareWorkersDriver(ctx);
    const inner = instance.manager;
    return {
      ...instance,
      manager: {
        ...inner,
        getOrCreateWithKey: async (input) =>
          (await inner.getWithKey(input)) ?? inner.createActor(input),
      },
    };
  },
});

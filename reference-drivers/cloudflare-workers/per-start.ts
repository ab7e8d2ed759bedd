/**
 * The Cloudflare Workers driver with a workerd of its own for every start: storage in the
 * start's `dataDir`, and `restart()` disposes workerd and starts a new one on that storage.
 * Slower to certify than the shared default (see README.md), and the most literal restart.
 */
import { defineCloudflareWorkersDriver } from "./index.ts";

export default defineCloudflareWorkersDriver("cloudflare-workers-per-start", {
  runtime: "per-start",
});

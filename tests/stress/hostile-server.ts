/**
 * The stress test's server, in its own process so its memory is measured alone: the memory
 * driver and a manager on 127.0.0.1 hosting two actors, `gate` (onAuth refuses every caller)
 * and `open` (onAuth lets everyone in; `echo` returns its arguments). It talks to the parent
 * over IPC:
 *   child → parent  { endpoint }                                 once listening
 *   parent → child  "stats"       → { rssBytes, peakRssBytes, loopDelayMaxMs, loopDelayP99Ms }
 *   parent → child  "reset-delay" → { ok: true }   (starts a new event-loop delay window)
 * Peak RSS is the kernel's high-water mark (VmHWM in /proc/self/status).
 * Run: node --import tsx tests/stress/hostile-server.ts
 */
import { readFileSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import memoryDriver from "../../reference-drivers/memory/index.ts";
import { createDriverRuntimeHelpers } from "../../runtime/driver/index.ts";
import { actor, setup, UserError } from "../../runtime/index.ts";
import { serveManager } from "../../runtime/routing/node-server.ts";

const gate = actor({
  onAuth: (): { user: string } => {
    throw new UserError("no anonymous callers", { code: "unauthorized" });
  },
  actions: { echo: (_c, ...args: unknown[]) => args },
  onFetch: () => new Response("never reached"),
  onWebSocket: () => {},
});
const open = actor({
  onAuth: () => ({ user: "anyone" }),
  actions: { echo: (_c, ...args: unknown[]) => args },
  onWebSocket: (_c, socket) => {
    socket.addEventListener("message", (event) => socket.send(event.data));
  },
});
const registry = setup({ use: { gate, open } });

/** Peak resident set size in bytes, from the kernel (VmHWM is in kB). */
function peakRss(): number {
  const line = readFileSync("/proc/self/status", "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmHWM:"));
  return line === undefined ? process.memoryUsage().rss : Number(line.split(/\s+/)[1]) * 1024;
}

async function main(): Promise<void> {
  const driver = await memoryDriver.start({
    registry,
    dataDir: "",
    namespace: "stress",
    runtime: createDriverRuntimeHelpers(),
  });
  const served = await serveManager({ registry, manager: driver.manager });
  let delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  process.on("message", (message) => {
    if (message === "reset-delay") {
      delay.disable();
      delay = monitorEventLoopDelay({ resolution: 10 });
      delay.enable();
      process.send?.({ ok: true });
    } else if (message === "stats") {
      process.send?.({
        rssBytes: process.memoryUsage().rss,
        peakRssBytes: peakRss(),
        loopDelayMaxMs: delay.max / 1e6,
        loopDelayP99Ms: delay.percentile(99) / 1e6,
      });
    }
  });
  process.on("disconnect", () => {
    served
      .close()
      .then(() => driver.stop())
      .finally(() => process.exit(0));
  });
  process.send?.({ endpoint: served.endpoint });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});

/**
 * Crash suite (capability `durable`, clause PERSIST-7): the driver module runs in a host process
 * (harness/crash/driver-host.ts) that the test drives over HTTP and WebSocket and kills with
 * SIGKILL at seeded moments (DEFAULT_CRASH_KILLS of them; now and then a graceful stop instead),
 * starting it again each time on the same data directory and namespace. Every acknowledged
 * write, creation and due scheduled event must be there after each start, and no state torn.
 *
 * SIGKILL is process death, not power loss: the page cache survives it, so this does not check
 * that a driver fsyncs.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_CRASH_KILLS, runCrashLoop } from "../crash/crash-loop.ts";
import { HarnessError } from "../errors.ts";
import { FIXTURE_REGISTRY_MODULE } from "../runtime-bindings.ts";
import { defineSuite } from "../suite-api.ts";
import { newNamespace } from "../test-context.ts";

/**
 * The crash test's budget (ms): 21 host starts. About 30 s on two idle cores; a machine shared
 * with other work can take many times that, and a slow run is not the driver's failure.
 */
const CRASH_TEST_MS = 600_000;

export const crashSuite = defineSuite("crash", (s) => {
  s.test({
    id: "acknowledged-writes-survive-kills",
    title: `every acknowledged write, creation and due event survives ${DEFAULT_CRASH_KILLS} kills of the driver's process, and no state is torn`,
    clause: "PERSIST-7",
    setup: "none",
    timeoutMs: CRASH_TEST_MS,
    run: async (t) => {
      const driverModule = t.driverModule;
      if (driverModule === undefined) {
        throw new HarnessError(
          "harness_broken",
          "the crash suite starts the driver module in another process and needs its path: runDriverTests(driver, { driverModule: <path> }) or pass the path itself",
        );
      }
      const dataDir = await mkdtemp(join(tmpdir(), "driver-cert-crash-"));
      t.defer(() => rm(dataDir, { recursive: true, force: true }));
      const summary = await runCrashLoop({
        driverModule,
        registryModule: FIXTURE_REGISTRY_MODULE,
        dataDir,
        namespace: newNamespace(),
        seed: t.seed,
        kills: DEFAULT_CRASH_KILLS,
        baseKey: t.uniqueKey("crash")[0],
        schedule: t.capabilities.schedule,
        transport: t.capabilities.websocket ? "websocket" : t.capabilities.sse ? "sse" : undefined,
      });
      t.expect(summary.kills, "the driver was ended as often as planned").toBe(DEFAULT_CRASH_KILLS);
      t.expect(summary.acknowledged.writes, "writes were acknowledged").toBeGreaterThan(0);
      if (t.capabilities.schedule) {
        t.expect(summary.acknowledged.marks, "scheduled events were acknowledged").toBeGreaterThan(
          0,
        );
      }
    },
  });
});

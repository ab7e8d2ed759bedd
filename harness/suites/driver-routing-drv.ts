/**
 * Driver-routing suite, module clauses: the definition and the started instance have the
 * documented shapes (DRV-1, DRV-2), each declared capability works (DRV-3), and `stop()`
 * leaves no actor answering and no alarm firing (DRV-4).
 */
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CONTRACT_VERSION,
  type DriverInstance,
  type DriverRuntimeHelpers,
  driverDefinitionSchema,
  type LocalActorHost,
} from "../../runtime/driver/index.ts";
import type { ManagerDriver } from "../../runtime/driver/manager-driver.ts";
import type { RawWsWelcome } from "../fixtures/connectivity/raw-websocket.ts";
import type { TaskRun } from "../fixtures/core/scheduled.ts";
import { FIXTURE_REGISTRY_MODULE, loadRuntimeBindings } from "../runtime-bindings.ts";
import type { SuiteBuilder } from "../suite-api.ts";
import type { TestContext } from "../test-context.ts";
import { SocketInbox } from "./connectivity-wire.ts";
import { pollUntil, show } from "./core-support.ts";
import { ACTOR_ORIGIN, actorIdOf, callAction, SseReader } from "./driver-routing-support.ts";

/** Every ManagerDriver member, each a function (runtime/driver/manager-driver.ts). */
const MANAGER_METHODS: readonly (keyof ManagerDriver)[] = [
  "getForId",
  "getWithKey",
  "getOrCreateWithKey",
  "createActor",
  "sendRequest",
  "openWebSocket",
  "proxyRequest",
  "proxyWebSocket",
];

/** How long a stopped driver gets to show a late alarm, in ms (the probe is due at 150 ms). */
const AFTER_STOP_WAIT_MS = 400;

/** The history of `scheduled` actor `id` once `done` holds, polled through `manager`. */
function historyUntil(
  t: TestContext,
  manager: ManagerDriver,
  id: string,
  what: string,
  done: (runs: TaskRun[]) => boolean,
): Promise<TaskRun[]> {
  return pollUntil(
    t,
    what,
    () => callAction(manager, id, "getHistory") as Promise<TaskRun[]>,
    done,
  );
}

/**
 * Resolves whether `manager` still gets an actor to answer: a 2xx response within 2 s. A
 * rejection, an error status or no answer at all means it did not.
 */
async function answers(manager: ManagerDriver, id: string, via: "sendRequest" | "proxyRequest") {
  const request = new Request(`${ACTOR_ORIGIN}/action/getCount`, {
    method: "POST",
    headers: { "x-actor-encoding": "json", "content-type": "application/json" },
    body: JSON.stringify({ args: [] }),
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const silent = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve("no answer within 2000 ms"), 2000);
  });
  const call = Promise.resolve()
    .then(() => manager[via](id, request))
    .then(
      async (response) => `${response.status} ${await response.text()}`,
      (error: unknown) => `rejected: ${error instanceof Error ? error.message : String(error)}`,
    );
  try {
    return await Promise.race([call, silent]);
  } finally {
    clearTimeout(timer);
  }
}

/** A host whose calls are counted, and refused as late once `late` says the driver stopped. */
function watchHost(
  host: LocalActorHost,
  seen: { fired: number; late: string[] },
  late: () => boolean,
) {
  return new Proxy(host, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || property === "stop") return value;
      return (...args: unknown[]) => {
        if (late()) seen.late.push(`${String(property)}(${show(args[0])})`);
        else if (property === "fireAlarm") seen.fired += 1;
        return value.apply(target, args);
      };
    },
  });
}

/** Registers the DRV-1..DRV-4 tests into the driver-routing suite. */
export function registerDriverModuleTests(s: SuiteBuilder): void {
  s.test({
    id: "definition-and-instance-shapes",
    title: "the definition has the documented members and start() resolves a complete instance",
    clause: "DRV-1",
    setup: "driver",
    run: async (t) => {
      const parsed = driverDefinitionSchema.safeParse(t.definition);
      t.expect(parsed.success, `the definition: ${show(parsed.error?.issues)}`).toBe(true);
      const missing = MANAGER_METHODS.filter((m) => typeof t.manager[m] !== "function");
      t.expect(missing, "ManagerDriver methods missing from the started manager").toEqual([]);
      t.expect(typeof t.driver.stop, "the instance has stop()").toBe("function");
    },
  });

  s.test({
    id: "contract-version-supported",
    title: "the definition declares the contract version this toolkit certifies",
    clause: "DRV-2",
    setup: "none",
    // The loader refuses any other version before a test runs; this records the verdict.
    run: async (t) => {
      t.expect(t.definition.contractVersion, "contractVersion").toBe(CONTRACT_VERSION);
    },
  });

  s.test({
    id: "websocket-capability-works",
    title: "a driver declaring websocket opens a socket to an actor through openWebSocket",
    clause: "DRV-3",
    requires: ["websocket"],
    setup: "driver",
    run: async (t) => {
      const id = await actorIdOf(t, "rawWs");
      const request = new Request(`${ACTOR_ORIGIN}/raw/websocket/probe`);
      const socket = await t.step("openWebSocket", t.manager.openWebSocket(id, request));
      t.trackSocket(socket);
      t.defer(() => socket.close(1000));
      const inbox = new SocketInbox(socket);
      const welcome = (await t.step("the welcome", inbox.nextJson("the welcome"))) as RawWsWelcome;
      t.expect(welcome.type, "the actor's welcome arrives").toBe("welcome");
    },
  });

  s.test({
    id: "sse-capability-works",
    title: "a driver declaring sse streams the init event of an SSE connection through sendRequest",
    clause: "DRV-3",
    requires: ["sse"],
    setup: "driver",
    run: async (t) => {
      const id = await actorIdOf(t, "counter");
      const abort = new AbortController();
      const request = new Request(`${ACTOR_ORIGIN}/connect/sse`, {
        headers: { "x-actor-encoding": "json" },
        signal: abort.signal,
      });
      const response = await t.step(
        "sendRequest(/connect/sse)",
        t.manager.sendRequest(id, request),
      );
      t.defer(() => abort.abort());
      const reader = new SseReader(response.body!);
      t.defer(() => reader.cancel());
      const init = JSON.parse(await t.step("the init event", reader.next()));
      t.expect(init.type, "the stream's first event").toBe("init");
    },
  });

  s.test({
    id: "schedule-capability-works",
    title: "a driver declaring schedule fires an alarm: a scheduled action runs",
    clause: "DRV-3",
    requires: ["schedule"],
    setup: "driver",
    run: async (t) => {
      const id = await actorIdOf(t, "scheduled");
      await t.step("scheduleAfter(50)", callAction(t.manager, id, "scheduleAfter", ["probe", 50]));
      const runs = await historyUntil(t, t.manager, id, "the scheduled run", (r) => r.length > 0);
      t.expect(
        runs.map((r) => r.id),
        "the alarm ran the action",
      ).toEqual(["probe"]);
    },
  });

  s.test({
    id: "durable-capability-works",
    title: "a driver declaring durable keeps an actor, its key and its state across restart()",
    clause: "DRV-3",
    requires: ["durable"],
    setup: "driver",
    run: async (t) => {
      const key = t.uniqueKey("durable-probe");
      const made = await t.step("create", t.manager.getOrCreateWithKey({ name: "counter", key }));
      await t.step("increment", callAction(t.manager, made.actorId, "increment", [3]));
      await t.restart();
      const found = await t.step("getWithKey", t.manager.getWithKey({ name: "counter", key }));
      t.expect(found?.actorId, "the key finds the same actor after restart").toBe(made.actorId);
      t.expect(
        await t.step("getCount", callAction(t.manager, made.actorId, "getCount")),
        "the state survived restart",
      ).toBe(3);
    },
  });

  s.test({
    id: "stop-silences-actors",
    title: "after stop() resolves, no actor answers through sendRequest or proxyRequest",
    clause: "DRV-4",
    setup: "driver",
    run: async (t) => {
      const id = await actorIdOf(t, "counter");
      t.expect(
        await answers(t.manager, id, "sendRequest"),
        "the actor answers before stop",
      ).toMatch(/^200 /);
      await t.step("stop", t.driver.stop());
      for (const via of ["sendRequest", "proxyRequest"] as const) {
        const outcome = await answers(t.manager, id, via);
        t.expect(outcome, `${via} after stop must not reach a running actor`).not.toMatch(
          /^2\d\d /,
        );
      }
    },
  });

  s.test({
    id: "stop-cancels-alarms",
    title: "after stop() resolves, no alarm set before it fires",
    clause: "DRV-4",
    requires: ["schedule"],
    setup: "none",
    timeoutMs: 15_000,
    run: async (t) => {
      // A start of our own, so the runtime host it builds can be watched: every host call after
      // stop() resolved is a timer or request the driver failed to release.
      const bindings = await loadRuntimeBindings();
      const helpers = bindings.helpers();
      const seen = { fired: 0, late: [] as string[] };
      let stopped = false;
      let hosts = 0;
      const runtime: DriverRuntimeHelpers = {
        createInitialPersistedData: (input) => helpers.createInitialPersistedData(input),
        createLocalActorHost: (options) => {
          hosts += 1;
          return watchHost(helpers.createLocalActorHost(options), seen, () => stopped);
        },
      };
      const dataDir = await mkdtemp(join(tmpdir(), "driver-cert-stop-"));
      t.defer(() => rm(dataDir, { recursive: true, force: true }));
      const ctx = {
        registry: bindings.registry(),
        registryModule: FIXTURE_REGISTRY_MODULE,
        runtime,
        dataDir,
        namespace: `dc-${randomUUID()}`,
      };
      const instance: DriverInstance = await t.step(
        "start",
        Promise.resolve().then(() => t.definition.start(ctx)),
        10_000,
      );
      let stopping: Promise<void> | undefined;
      const stop = () => (stopping ??= Promise.resolve().then(() => instance.stop()));
      t.defer(stop);
      const { manager } = instance;
      const key = t.uniqueKey("stop-alarm");
      const { actorId } = await t.step(
        "create",
        manager.getOrCreateWithKey({ name: "scheduled", key }),
      );
      // Positive control: an alarm fires while the driver runs, and the watch sees it.
      await t.step(
        "schedule control",
        callAction(manager, actorId, "scheduleAfter", ["control", 20]),
      );
      await historyUntil(t, manager, actorId, "the control run", (r) => r.length > 0);
      if (hosts > 0) {
        t.expect(seen.fired, "the driver fires alarms through the runtime's host").toBeGreaterThan(
          0,
        );
      }
      await t.step("schedule probe", callAction(manager, actorId, "scheduleAfter", ["late", 150]));
      await t.step("stop", stop());
      stopped = true;
      // Nothing can be awaited for an absence: give a leftover timer time to fire.
      await new Promise((resolve) => setTimeout(resolve, AFTER_STOP_WAIT_MS));
      t.expect(seen.late, "host calls after stop() resolved (a timer the driver kept)").toEqual([]);
    },
  });
}

import { existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, test, vi } from "vitest";
import type { DriverDefinition } from "../runtime/driver/index.ts";
import { HarnessTimeoutError } from "./errors.ts";
import { planRun } from "./matrix.ts";
import { type CaseMeta, runCase, type VitestCaseContext } from "./run-case.ts";
import type { RuntimeBindings } from "./runtime-bindings.ts";
import { defineSuite, type TestSpec } from "./suite-api.ts";
import type { TestContext } from "./test-context.ts";

function fakeDriver(log: string[]): DriverDefinition {
  return {
    name: "fake",
    contractVersion: 1,
    capabilities: { websocket: true, sse: false, schedule: false, durable: false },
    start: (ctx) => {
      log.push(`start ${existsSync(ctx.dataDir)}`);
      return { manager: {} as never, stop: async () => void log.push("stop") };
    },
  };
}

const bindings = async () =>
  ({
    registry: () => ({}) as never,
    helpers: () => {
      throw new Error("not needed");
    },
    createClient: () => {
      throw new Error("not needed");
    },
    serveManager: () => Promise.reject(new Error("not needed")),
  }) satisfies RuntimeBindings;

function caseOf(spec: Partial<TestSpec>) {
  const suite = defineSuite("ctx", (s) =>
    s.test({
      title: "a behaviour",
      clause: "MGR-1",
      setup: "driver",
      run: async () => {},
      ...spec,
    } as TestSpec),
  );
  return planRun([suite], { driverName: "fake", capabilities: fakeDriver([]).capabilities })
    .cases[0];
}

function vitestContext() {
  const task: { meta: { driverCert?: CaseMeta } } = { meta: {} };
  const annotate = vi.fn(async () => undefined);
  const skip = vi.fn((note?: string) => {
    throw new Error(`skipped: ${note}`);
  }) as unknown as VitestCaseContext["skip"];
  return { task, expect, skip, annotate } satisfies VitestCaseContext;
}

describe("runCase", () => {
  test("runs disposers newest first and stops the driver once, even when the body fails", async () => {
    const log: string[] = [];
    let dataDir = "";
    const planned = caseOf({
      run: async (t: TestContext) => {
        dataDir = t.dataDir;
        t.defer(() => log.push("first"));
        t.defer(() => log.push("second"));
        await t.driver.stop();
        throw new Error("assertion failed");
      },
    });
    const vc = vitestContext();
    await expect(runCase(planned, { definition: fakeDriver(log), bindings }, vc)).rejects.toThrow(
      "assertion failed",
    );
    expect(log).toEqual(["start true", "stop", "second", "first"]);
    expect(existsSync(dataDir)).toBe(false);
    expect(vc.task.meta.driverCert).toMatchObject({
      id: "ctx/a-behaviour",
      clause: "MGR-1",
      planned: "run",
    });
  });

  test("a step that expires names what was awaited and marks the case timed out", async () => {
    const planned = caseOf({ run: (t) => t.step("createActor", new Promise(() => {}), 20) });
    const vc = vitestContext();
    const failure = await runCase(planned, { definition: fakeDriver([]), bindings }, vc).catch(
      (e) => e,
    );
    expect(failure).toBeInstanceOf(HarnessTimeoutError);
    expect(failure.message).toBe("driver did not answer createActor within 20 ms");
    expect(failure.code).toBe("harness_timeout");
    expect(vc.task.meta.driverCert?.timedOut).toBe(true);
  });

  test("the whole-test budget names the steps still pending", async () => {
    const planned = caseOf({
      timeoutMs: 30,
      run: (t) => t.step("getForId", new Promise(() => {}), 10_000),
    });
    const failure = await runCase(
      planned,
      { definition: fakeDriver([]), bindings },
      vitestContext(),
    ).catch((e) => e);
    expect(failure.message).toBe("test did not finish within 30 ms; still waiting for: getForId");
  });

  test("sockets left open are closed and reported against the test", async () => {
    const socket = {
      readyState: 1,
      close: vi.fn(function (this: { readyState: number }) {
        this.readyState = 3;
      }),
    };
    const planned = caseOf({ run: async (t) => void t.trackSocket(socket) });
    const vc = vitestContext();
    await runCase(planned, { definition: fakeDriver([]), bindings }, vc);
    expect(socket.close).toHaveBeenCalledWith(1000, "closed by driver-cert after the test");
    expect(vc.task.meta.driverCert?.leaks).toEqual([{ kind: "websocket", count: 1 }]);
    expect(vc.annotate).toHaveBeenCalledWith("left open: 1 websocket", "warning");
  });

  test("a driver that never stops fails the test at teardown, naming stop", async () => {
    const hanging: DriverDefinition = {
      ...fakeDriver([]),
      start: () => ({ manager: {} as never, stop: () => new Promise(() => {}) }),
    };
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
    try {
      let failure: Error | undefined;
      runCase(caseOf({}), { definition: hanging, bindings }, vitestContext()).catch((e) => {
        failure = e;
      });
      // Temp-dir I/O is real: let it complete between steps of the fake clock.
      for (let i = 0; i < 200 && !failure; i++) {
        await sleep(1);
        await vi.advanceTimersByTimeAsync(100);
      }
      expect(failure?.message).toBe("teardown: driver did not answer stop within 5000 ms");
    } finally {
      vi.useRealTimers();
    }
  });

  test("a cold restart stops the driver, waits, and starts it again on the same storage", async () => {
    const log: string[] = [];
    const dirs: string[] = [];
    const definition: DriverDefinition = {
      ...fakeDriver(log),
      start: (ctx) => {
        dirs.push(`${ctx.dataDir} ${ctx.namespace}`);
        return { manager: {} as never, stop: async () => void log.push("stop") };
      },
    };
    const planned = caseOf({
      run: async (t) => {
        await t.restart({ downMs: 5 });
        log.push("restarted");
      },
    });
    await runCase(planned, { definition, bindings }, vitestContext());
    expect(log).toEqual(["stop", "restarted", "stop"]);
    expect(dirs).toHaveLength(2);
    expect(dirs[1]).toBe(dirs[0]);
  });

  test("restart without downMs uses the instance's restart()", async () => {
    const log: string[] = [];
    const definition: DriverDefinition = {
      ...fakeDriver(log),
      start: () => {
        const instance = {
          manager: {} as never,
          stop: async () => void log.push("stop"),
          restart: async () => {
            log.push("restart()");
            return instance;
          },
        };
        return instance;
      },
    };
    await runCase(caseOf({ run: (t) => t.restart() }), { definition, bindings }, vitestContext());
    expect(log).toEqual(["restart()", "stop"]);
  });

  test("accessors the setup did not prepare say so", async () => {
    const planned = caseOf({ setup: "none", run: async (t) => void t.client });
    await expect(
      runCase(planned, { definition: fakeDriver([]), bindings }, vitestContext()),
    ).rejects.toThrow('t.client is not available: test ctx/a-behaviour declares setup "none"');
  });
});

import { describe, expect, test } from "vitest";
import type { DriverCapabilities } from "../runtime/driver/index.ts";
import { casesOfPart, defaultCell, planRun, registeredCases } from "./matrix.ts";
import { defineSuite } from "./suite-api.ts";

const all: DriverCapabilities = { websocket: true, sse: true, schedule: true, durable: true };
const run = async () => {};

const suite = defineSuite("demo", (s) => {
  s.test({ id: "once", title: "runs once", clause: "MGR-1", run });
  s.test({
    id: "per-transport",
    title: "per transport",
    clause: "CONN-1",
    axes: ["transport"],
    run,
  });
  s.test({
    id: "full",
    title: "every cell",
    clause: "ACT-2",
    axes: ["client", "transport", "encoding"],
    run,
  });
  s.test({ id: "durable", title: "needs durable", clause: "RESTART-1", run });
  s.test({ id: "absence", title: "without sse", clause: "DRV-3", whenLacking: ["sse"], run });
});

describe("planRun", () => {
  test("expands each test over its axes only, with the cell in the id", () => {
    const plan = planRun([suite], { driverName: "x", capabilities: all });
    const ids = plan.cases.map((c) => c.id);
    expect(ids.filter((id) => id.startsWith("demo/once"))).toEqual(["demo/once"]);
    expect(ids.filter((id) => id.startsWith("demo/per-transport"))).toEqual([
      "demo/per-transport [transport=websocket]",
      "demo/per-transport [transport=sse]",
    ]);
    expect(ids.filter((id) => id.startsWith("demo/full"))).toHaveLength(8);
    expect(ids).toContain("demo/full [client=inline,transport=sse,encoding=json]");
    const once = plan.cases.find((c) => c.id === "demo/once")!;
    expect(once.cell).toEqual({ client: "http", transport: "websocket", encoding: "cbor" });
    expect(plan.partial).toBe(false);
  });

  test("marks missing capabilities and undeclared transports unsupported, with the reason", () => {
    const caps = { websocket: true, sse: false, schedule: true, durable: false };
    const plan = planRun([suite], { driverName: "mem", capabilities: caps });
    const byId = new Map(plan.cases.map((c) => [c.id, c]));
    expect(byId.get("demo/durable")).toMatchObject({
      status: "unsupported",
      reason: 'unsupported: durable not declared by driver "mem"',
    });
    expect(byId.get("demo/per-transport [transport=sse]")).toMatchObject({
      status: "unsupported",
      reason: 'unsupported: sse not declared by driver "mem"',
    });
    expect(byId.get("demo/absence")?.status).toBe("run");
    const withSse = planRun([suite], { driverName: "mem", capabilities: all });
    expect(withSse.cases.find((c) => c.id === "demo/absence")).toMatchObject({
      status: "skipped",
      skipKind: "not-applicable",
    });
  });

  test("the optional sleep flag: absent runs the SLEEP tests, false makes them unsupported", () => {
    const napping = defineSuite("nap", (s) => {
      s.test({ id: "sleeps", title: "sleeps", clause: "SLEEP-1", run });
    });
    const absent = planRun([napping], { driverName: "old", capabilities: all });
    expect(absent.cases[0]?.status, "absent means true (contract 1 modules)").toBe("run");
    expect(absent.capabilities.sleep).toBe(true);
    const declared = planRun([napping], {
      driverName: "pinned",
      capabilities: { ...all, sleep: false },
    });
    expect(declared.cases[0]).toMatchObject({
      status: "unsupported",
      reason: 'unsupported: sleep not declared by driver "pinned"',
    });
  });

  test("filters skip with the flag as the reason, and independent tests follow the filtered cell", () => {
    const plan = planRun([suite], {
      driverName: "x",
      capabilities: all,
      filters: { transport: "sse", grep: "every|once" },
    });
    const byId = new Map(plan.cases.map((c) => [c.id, c]));
    expect(plan.partial).toBe(true);
    expect(byId.get("demo/once")).toMatchObject({ status: "run", cell: { transport: "sse" } });
    expect(byId.get("demo/full [client=http,transport=websocket,encoding=json]")).toMatchObject({
      status: "skipped",
      reason: "not selected: --transport sse",
      skipKind: "filter",
    });
    expect(byId.get("demo/durable")?.reason).toBe('not selected: --grep "every|once"');
    expect(() =>
      planRun([suite], { driverName: "x", capabilities: all, filters: { suites: ["nope"] } }),
    ).toThrow(/no suite named "nope"/);
  });

  test("uses the longer of the run's and the test's budget", () => {
    const slow = defineSuite("slow", (s) =>
      s.test({ title: "slow one", clause: "MGR-1", timeoutMs: 30_000, run }),
    );
    expect(
      planRun([slow], { driverName: "x", capabilities: all, timeoutMs: 5_000 }).cases[0].timeoutMs,
    ).toBe(30_000);
    expect(
      planRun([suite], { driverName: "x", capabilities: all, timeoutMs: 5_000 }).cases[0].timeoutMs,
    ).toBe(5_000);
  });

  test("parts cover the registered cases exactly once", () => {
    const plan = planRun([suite], { driverName: "x", capabilities: { ...all, sse: false } });
    const dealt = [0, 1, 2].flatMap((p) => casesOfPart(plan, p, 3).map((c) => c.id));
    expect(dealt.sort()).toEqual(
      registeredCases(plan)
        .map((c) => c.id)
        .sort(),
    );
  });

  test("the default transport is the first one the driver declares", () => {
    expect(defaultCell({ ...all, websocket: false }).transport).toBe("sse");
  });
});

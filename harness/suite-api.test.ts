import { describe, expect, test, vi } from "vitest";
import { defineSuite, slugify, type TestSpec } from "./suite-api.ts";

const run = async () => {};

function testsOf(...specs: Partial<TestSpec>[]) {
  return defineSuite("demo", (s) => {
    for (const spec of specs)
      s.test({ title: "a title", clause: "MGR-1", run, ...spec } as TestSpec);
  }).tests();
}

describe("defineSuite", () => {
  test("registers nothing until the suite is planned, then once", () => {
    const register = vi.fn((s) =>
      s.test({ title: "getForId returns the actor", clause: "MGR-1", run }),
    );
    const suite = defineSuite("lazy", register);
    expect(register).not.toHaveBeenCalled();
    expect(suite.tests().map((t) => t.baseId)).toEqual(["lazy/getforid-returns-the-actor"]);
    suite.tests();
    expect(register).toHaveBeenCalledTimes(1);
  });

  test("derives requires from the clause and orders axes canonically", () => {
    const [t] = testsOf({
      clause: "SCHED-4",
      requires: ["websocket"],
      axes: ["encoding", "client"],
    });
    expect(t.requires).toEqual(["websocket", "schedule", "durable"]);
    expect(t.axes).toEqual(["client", "encoding"]);
    expect(t.setup).toBe("full");
  });

  test.each([
    [{ clause: "MGR-99" }, /unknown clause "MGR-99"/],
    [{ requires: ["teleport" as never] }, /unknown capability "teleport"/],
    [{ axes: ["region" as never] }, /unknown axis "region"/],
    [{ title: " " }, /title must be a sentence/],
    [{ id: "Bad Id" }, /id "Bad Id" must match/],
    [{ timeoutMs: -1 }, /timeoutMs must be a positive integer/],
    [
      { clause: "ROUTE-2", whenLacking: ["sse" as const] },
      /"sse" is both required and in whenLacking/,
    ],
  ])("refuses an invalid spec %o", (spec, message) => {
    expect(() => testsOf(spec)).toThrow(message);
  });

  test("refuses two tests with one id and a suite name that is not a slug", () => {
    expect(() => testsOf({ id: "same" }, { id: "same" })).toThrow(/two tests have the id "same"/);
    expect(() => defineSuite("Not A Slug", () => {})).toThrow(/suite name/);
  });

  test("slugify keeps letters and digits, joined by single dashes", () => {
    expect(slugify("getOrCreate: 10 callers -> one actor!")).toBe(
      "getorcreate-10-callers-one-actor",
    );
  });
});

import { describe, expect, test } from "vitest";
import { rerunCommand } from "./rerun.ts";

describe("rerunCommand", () => {
  test("repeats the module, suites, timeout and seed, and quotes the id for a POSIX shell", () => {
    expect(
      rerunCommand("manager/key-separators [client=http]", {
        driverModule: "./my driver.ts",
        suitesModule: "suites.ts",
        timeoutMs: 2000,
        seed: 42,
      }),
    ).toBe(
      "driver-cert run './my driver.ts' --suites-module suites.ts --timeout 2000 --seed 42 --id 'manager/key-separators [client=http]'",
    );
    expect(rerunCommand("it's/odd", {})).toBe(`driver-cert run --id 'it'\\''s/odd'`);
    expect(rerunCommand("manager/plain", {})).toBe("driver-cert run --id manager/plain");
  });
});

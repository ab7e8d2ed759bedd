import { describe, expect, test } from "vitest";
import { DriverLoadError } from "./errors.ts";
import { validateDriverDefinition, validateDriverExport } from "./load-driver.ts";

const valid = {
  name: "ok",
  contractVersion: 1,
  capabilities: { websocket: true, sse: false, schedule: false, durable: false },
  start: () => ({ manager: {}, stop: async () => {} }),
};

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DriverLoadError);
    return (error as Error).message;
  }
  throw new Error("expected a DriverLoadError");
}

describe("validateDriverExport", () => {
  test("returns the definition with a frozen manifest", () => {
    const definition = validateDriverExport({ default: valid }, "m");
    expect(definition.name).toBe("ok");
    expect(Object.isFrozen(definition.capabilities)).toBe(true);
  });

  test("finds the default export of a module loaded as CommonJS", () => {
    expect(validateDriverExport({ default: { default: valid } }, "m").name).toBe("ok");
  });

  test("names every bad member and the supported contract version", () => {
    expect(messageOf(() => validateDriverDefinition({ ...valid, name: "", start: 3 }, "m"))).toBe(
      'm: invalid driver definition: "name" is string (expected a non-empty string); ' +
        '"start" is number (expected a function start(ctx)); driver-cert supports contract version 1',
    );
    expect(
      messageOf(() =>
        validateDriverDefinition(
          { ...valid, capabilities: { ...valid.capabilities, sse: "yes" } },
          "m",
        ),
      ),
    ).toMatch(/"capabilities\.sse" is string \(expected a boolean\)/);
    expect(
      messageOf(() =>
        validateDriverDefinition(
          { ...valid, capabilities: { ...valid.capabilities, teleport: true } },
          "m",
        ),
      ),
    ).toMatch(
      /"capabilities" has unknown member "teleport" \(known: websocket, sse, schedule, durable\)/,
    );
    expect(messageOf(() => validateDriverDefinition(() => valid, "m"))).toMatch(
      /the default export is function, expected the object returned by defineDriver/,
    );
    expect(messageOf(() => validateDriverExport({}, "m"))).toBe(
      "m has no default export; driver-cert supports contract version 1",
    );
  });
});

import { describe, expect, test } from "vitest";
import { DriverLoadError } from "./errors.ts";
import { loadDriverModule, validateDriverDefinition, validateDriverExport } from "./load-driver.ts";

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
      /"capabilities" has unknown member "teleport" \(known: websocket, sse, schedule, durable, sleep, distributed\)/,
    );
    expect(messageOf(() => validateDriverDefinition(() => valid, "m"))).toMatch(
      /the default export is function, expected the object returned by defineDriver/,
    );
    expect(messageOf(() => validateDriverExport({}, "m"))).toBe(
      "m has no default export; driver-cert supports contract version 1",
    );
  });
});

describe("loadDriverModule when the import throws", () => {
  const here = import.meta.filename;
  const failing = (error: unknown) => async () => {
    throw error;
  };
  async function loadMessage(error: unknown): Promise<{ message: string; hint?: string }> {
    try {
      await loadDriverModule(here, failing(error));
    } catch (thrown) {
      expect(thrown).toBeInstanceOf(DriverLoadError);
      return {
        message: (thrown as DriverLoadError).message,
        hint: (thrown as DriverLoadError).hint,
      };
    }
    throw new Error("expected a DriverLoadError");
  }

  test("a transform error names the error from errors[], with its place", async () => {
    const error = Object.assign(new Error("Transform failed with 1 error:\n(details)"), {
      name: "TransformError",
      errors: [{ text: 'Unexpected ";"', location: { file: "/d/x.ts", line: 3, column: 22 } }],
    });
    expect((await loadMessage(error)).message).toMatch(
      /threw while loading: TransformError: Transform failed with 1 error: \/d\/x\.ts:3:22: ERROR: Unexpected ";"$/,
    );
  });

  test("a defineDriver refusal without the refused value keeps its own member list", async () => {
    const error = new TypeError(
      "defineDriver: invalid driver definition (start: expected a function start(ctx)); this toolkit supports contract version 1",
    );
    const { message, hint } = await loadMessage(error);
    expect(message).toMatch(
      /: invalid driver definition \(start: expected a function start\(ctx\)\); this toolkit supports contract version 1$/,
    );
    expect(hint).toMatch(/^export default defineDriver/);
  });
});

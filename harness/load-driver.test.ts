import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tsImport } from "tsx/esm/api";
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
    // esbuild's CommonJS output: named exports beside default, marked __esModule.
    const exports = Object.defineProperty({ default: valid, startMyDriver() {} }, "__esModule", {
      value: true,
    });
    expect(validateDriverExport({ default: exports, startMyDriver() {} }, "m").name).toBe("ok");
  });

  test("a bad definition found on module.exports.default says the module loaded as CommonJS", () => {
    const exports = Object.defineProperty({ default: { ...valid, start: 3 } }, "__esModule", {
      value: true,
    });
    const format = {
      format: "commonjs",
      because: '/app/package.json says "type": "commonjs"',
    } as const;
    expect(messageOf(() => validateDriverExport({ default: exports }, "m", format))).toMatch(
      /"start" is number .*\(the module loaded as CommonJS because \/app\/package\.json says "type": "commonjs"; its default export was read from module\.exports\.default\)$/,
    );
  });

  test("a default export that is not a definition is named for what it is", () => {
    const found = (value: unknown) =>
      messageOf(() => validateDriverExport({ default: value }, "m")).replace(
        /^m: the default export is (.*?), (expected|not) the object returned by .*$/,
        "$1",
      );
    class MemoryDriver {}
    async function startMemoryDriver() {}
    function makeDriver() {}
    expect(found(MemoryDriver)).toBe("class MemoryDriver");
    expect(found(startMemoryDriver)).toBe("async function startMemoryDriver");
    expect(found(makeDriver)).toBe("function makeDriver");
    expect(found(Promise.resolve(valid))).toBe(
      "a Promise (export the definition itself, not a promise of it)",
    );
    expect(found("memory")).toBe('the string "memory"');
    expect(found(3)).toBe("the number 3");
    expect(found(undefined)).toBe("undefined");
    expect(found([valid])).toBe("an array of 1 item");
    expect(found({})).toBe("an empty object");
    expect(found({ manager: {}, stop() {} })).toBe(
      "an object with members manager, stop (what start(ctx) returns, not the definition that has start)",
    );
    expect(found({ actors: {}, use: {} })).toBe("an object with members actors, use");
    const many = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, i]));
    expect(found(many)).toBe(
      "an object with members k0, k1, k2, k3, k4, k5, k6, k7, ... (10 in all)",
    );
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
      /the default export is an anonymous function, expected the object returned by defineDriver/,
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

  test("a module-system mix-up says how the module loaded and why, and how to switch", async () => {
    const dir = await mkdtemp(join(tmpdir(), "driver-cert-cjs-"));
    try {
      await writeFile(join(dir, "package.json"), JSON.stringify({ type: "commonjs" }));
      const path = join(dir, "driver.ts");
      await writeFile(path, "export default await Promise.resolve({});\n");
      const load = loadDriverModule(path, (url) => tsImport(url, import.meta.url), dir);
      const error = await load.catch((thrown: unknown) => thrown);
      expect(error).toBeInstanceOf(DriverLoadError);
      expect((error as DriverLoadError).message).toMatch(
        /^driver module \.\/driver\.ts loaded as CommonJS because .*package\.json says "type": "commonjs", and failed: .*Top-level await/,
      );
      expect((error as DriverLoadError).hint).toBe(
        `to load it as an ES module, add "type": "module" to ${join(dir, "package.json")} or name the file *.mts`,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("an export-default .ts driver with named exports in a CommonJS package loads", async () => {
    const dir = await mkdtemp(join(tmpdir(), "driver-cert-cjs-"));
    try {
      await writeFile(join(dir, "package.json"), JSON.stringify({ type: "commonjs" }));
      const path = join(dir, "driver.ts");
      await writeFile(
        path,
        [
          "export function startMine() { return { manager: {}, stop: async () => {} }; }",
          "export default {",
          '  name: "mine",',
          "  contractVersion: 1,",
          "  capabilities: { websocket: true, sse: false, schedule: false, durable: false },",
          "  start: startMine,",
          "};",
        ].join("\n"),
      );
      const { definition } = await loadDriverModule(path, (url) => tsImport(url, import.meta.url));
      expect(definition.name).toBe("mine");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
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

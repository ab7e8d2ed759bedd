/** How a driver file loads (CommonJS or ES module) and the errors that mean it loaded the wrong way. */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isModuleSystemMixUp, moduleFormatOf, switchFormatHint } from "./module-format.ts";

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "driver-cert-format-"));
  await writeFile(join(root, "package.json"), JSON.stringify({ name: "app" }));
  await mkdir(join(root, "esm", "nested"), { recursive: true });
  await writeFile(join(root, "esm", "package.json"), JSON.stringify({ type: "module" }));
  await mkdir(join(root, "cjs"));
  await writeFile(join(root, "cjs", "package.json"), JSON.stringify({ type: "commonjs" }));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("moduleFormatOf", () => {
  test("the extension decides first, whatever package.json says", () => {
    expect(moduleFormatOf(join(root, "cjs", "d.mts"))).toEqual({
      format: "module",
      because: "its extension is .mts",
    });
    expect(moduleFormatOf(join(root, "esm", "d.cjs")).format).toBe("commonjs");
  });

  test("the nearest package.json's type decides .ts and .js; none means CommonJS", () => {
    expect(moduleFormatOf(join(root, "esm", "nested", "d.ts"))).toEqual({
      format: "module",
      because: `${join(root, "esm", "package.json")} says "type": "module"`,
      packageJson: join(root, "esm", "package.json"),
    });
    expect(moduleFormatOf(join(root, "cjs", "d.js")).because).toBe(
      `${join(root, "cjs", "package.json")} says "type": "commonjs"`,
    );
    expect(moduleFormatOf(join(root, "d.ts"))).toMatchObject({
      format: "commonjs",
      because: `${join(root, "package.json")} has no "type" (CommonJS is the default)`,
    });
  });

  test("the hint names the package.json to change, or the extension to use", () => {
    const path = join(root, "cjs", "d.ts");
    expect(switchFormatHint(path, moduleFormatOf(path))).toBe(
      `to load it as an ES module, add "type": "module" to ${join(root, "cjs", "package.json")} or name the file *.mts`,
    );
    const esm = join(root, "esm", "d.js");
    expect(switchFormatHint(esm, moduleFormatOf(esm))).toMatch(/name the file \*\.cjs/);
  });
});

describe("isModuleSystemMixUp", () => {
  test("recognises the errors of loading a module in the other system, and nothing else", () => {
    const mixUps = [
      new Error(
        'Transform failed with 1 error:\nx.ts:1:0: ERROR: Top-level await is currently not supported with the "cjs" output format',
      ),
      new SyntaxError("Cannot use import statement outside a module"),
      new SyntaxError("Unexpected token 'export'"),
      new ReferenceError("require is not defined in ES module scope, you can use import instead"),
      Object.assign(new Error("require() of ES Module"), { code: "ERR_REQUIRE_ESM" }),
    ];
    for (const error of mixUps) expect(isModuleSystemMixUp(error), error.message).toBe(true);
    for (const other of [new Error("boom"), new SyntaxError("Unexpected token ';'"), "export"]) {
      expect(isModuleSystemMixUp(other)).toBe(false);
    }
  });
});

/** Module URLs that hold from the TypeScript sources and from the built package (dist/). */
import { existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { describe, expect, test } from "vitest";
import {
  DEFAULT_DRIVER_MODULE,
  docPath,
  PACKAGE_ROOT,
  packageModuleUrl,
  TOOL_VERSION,
} from "./package-info.ts";

describe("package-info", () => {
  test("a source caller gets the .ts module, a built caller the .js one beside it", () => {
    const source = "file:///pkg/harness/runtime-bindings.ts";
    const built = "file:///pkg/dist/harness/runtime-bindings.js";
    expect(packageModuleUrl("./fixtures/registry.ts", source).href).toBe(
      "file:///pkg/harness/fixtures/registry.ts",
    );
    expect(packageModuleUrl("./fixtures/registry.ts", built).href).toBe(
      "file:///pkg/dist/harness/fixtures/registry.js",
    );
    expect(packageModuleUrl("../reference-drivers/memory/index.ts", built).href).toBe(
      "file:///pkg/dist/reference-drivers/memory/index.js",
    );
  });

  test("tsx's namespace query on the caller's URL does not hide that it is a source", () => {
    const base = "file:///pkg/harness/register.ts?tsx-namespace=1733";
    expect(packageModuleUrl("./suites/index.ts", base).href).toBe(
      "file:///pkg/harness/suites/index.ts",
    );
  });

  test("a path that is not a .ts source is refused", () => {
    expect(() => packageModuleUrl("./suites/index.js", "file:///pkg/harness/x.ts")).toThrow(
      /not the path of a \.ts source/,
    );
  });

  test("docs are shown from the caller's directory when below it, else by absolute path", () => {
    expect(docPath("CONTRACT.md", PACKAGE_ROOT)).toBe(join("docs", "CONTRACT.md"));
    expect(docPath("CONTRACT.md", dirname(PACKAGE_ROOT))).toBe(
      join(basename(PACKAGE_ROOT), "docs", "CONTRACT.md"),
    );
    expect(docPath("CONTRACT.md", join(PACKAGE_ROOT, "harness"))).toBe(
      join(PACKAGE_ROOT, "docs", "CONTRACT.md"),
    );
  });

  test("from the sources, the root holds package.json and the default driver exists", () => {
    expect(existsSync(`${PACKAGE_ROOT}/package.json`)).toBe(true);
    expect(existsSync(`${PACKAGE_ROOT}/docs/CONTRACT.md`)).toBe(true);
    expect(existsSync(DEFAULT_DRIVER_MODULE)).toBe(true);
    expect(TOOL_VERSION).toMatch(/^\d+\.\d+\.\d+/);
  });
});

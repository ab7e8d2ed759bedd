import { tsImport } from "tsx/esm/api";
import { describe, expect, test } from "vitest";
import { DriverLoadError } from "./errors.ts";
import { ImpureImportError, importPurely } from "./import-purity.ts";
import { loadDriverModule } from "./load-driver.ts";

const DRIVERS = "tests/fixtures/drivers";
// The CLI's importer: modules evaluate from Node's module loader, as under `driver-cert run`.
// (vitest's own runner evaluates a module beneath the caller's frames; see import-purity.ts.)
const importer = (url: string) => tsImport(url, import.meta.url);

describe("the import-purity check (loadDriverModule)", () => {
  test.each([
    // Lines and columns are the transformed module's (tsx keeps no source map for stacks).
    ["impure-timer-at-import.ts", "setInterval", /\(at \S*impure-timer-at-import\.ts:\d+:\d+\)/],
    ["impure-io-at-import.ts", "fs.readFileSync", /\(at \S*impure-io-at-import\.ts:\d+:\d+\)/],
    // The module catches the refusal; the call still counts.
    [
      "impure-random-at-import.ts",
      "crypto.randomUUID",
      /\(at \S*impure-random-at-import\.ts:\d+:\d+\)/,
    ],
    // A dependency's call is named at the dependency, not at the driver module.
    [
      "impure-dependency-at-import.ts",
      "net.connect",
      /\(at \S*support\/connects-at-import\.ts:\d+:\d+\)/,
    ],
  ])("%s is refused, naming %s and where it was called", async (file, call, where) => {
    const error = await loadDriverModule(`${DRIVERS}/${file}`, importer).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DriverLoadError);
    const message = (error as Error).message;
    expect(message).toContain(`${file} is not import-pure: ${call}() was called at module scope`);
    expect(message).toMatch(where);
    expect((error as DriverLoadError).hint).toMatch(/do that in start\(ctx\)/);
  });

  test.each([
    "reference-drivers/memory/index.ts",
    "reference-drivers/file-system/index.ts",
    "reference-drivers/cloudflare-workers/index.ts",
    `${DRIVERS}/tiny-driver.ts`,
  ])("%s loads: it does nothing at module scope", async (path) => {
    const { definition } = await loadDriverModule(path, importer);
    expect(definition.name.length).toBeGreaterThan(0);
  });

  test("everything is restored afterwards, and calls outside the loaded graph pass meanwhile", async () => {
    const before = [setTimeout, Math.random, crypto.randomUUID];
    const seen: number[] = [];
    await importPurely(async () => {
      // The toolkit's own code (this test file is not under harness/, so call from harness code).
      await new Promise<void>((resolve) => queueMicrotask(resolve));
      seen.push(1);
    });
    expect(seen).toEqual([1]);
    expect([setTimeout, Math.random, crypto.randomUUID]).toEqual(before);
  });

  test("a load that fails for another reason keeps its own error", async () => {
    const error = await importPurely(async () => {
      throw new TypeError("not found");
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(error).not.toBeInstanceOf(ImpureImportError);
  });

  test("overlapping loads: each is charged only with calls of its own graph", async () => {
    // Another run's work imports an impure module (a library that draws random values when
    // loaded) while a driver module is under check: that is not the driver's doing.
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const pure = importPurely(async () => {
      const module = await importer(
        new URL("../tests/fixtures/drivers/tiny-driver.ts", import.meta.url).href,
      );
      await held;
      return module;
    });
    const elsewhere = await importer(
      new URL(`../${DRIVERS}/impure-timer-at-import.ts?elsewhere`, import.meta.url).href,
    );
    expect(elsewhere).toBeDefined();
    // A second check at the same time still refuses its own impure graph.
    const impure = await loadDriverModule(`${DRIVERS}/impure-io-at-import.ts`, importer).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((impure as Error).message).toContain("fs.readFileSync() was called at module scope");
    release();
    await expect(pure).resolves.toBeDefined();
    expect(setInterval.name).toBe("setInterval");
  });
});

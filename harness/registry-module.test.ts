import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { fixtureRegistry } from "./fixtures/registry.ts";
import { FIXTURE_REGISTRY_MODULE, loadRuntimeBindings } from "./runtime-bindings.ts";
import { driverStartContext, newNamespace } from "./test-context.ts";

describe("ctx.registryModule", () => {
  test("start(ctx) gets a file URL whose default export is ctx.registry", async () => {
    const ctx = driverStartContext(await loadRuntimeBindings(), "/tmp/x", newNamespace());
    expect(ctx.registryModule).toBe(FIXTURE_REGISTRY_MODULE);
    expect(ctx.registryModule).toMatch(/^file:\/\//);
    const imported = (await import(ctx.registryModule as string)) as { default: unknown };
    expect(imported.default).toBe(ctx.registry);
  });

  test("a Node child process started with --import tsx loads the same actor names", () => {
    const script = `const m = await import(${JSON.stringify(FIXTURE_REGISTRY_MODULE)});
      process.stdout.write(JSON.stringify(Object.keys(m.default.actors).sort()));`;
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      { cwd: fileURLToPath(new URL("..", import.meta.url)), encoding: "utf8", timeout: 60_000 },
    );
    expect(child.stderr).toBe("");
    expect(JSON.parse(child.stdout)).toEqual(Object.keys(fixtureRegistry.actors).sort());
  });
});

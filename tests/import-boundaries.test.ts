/**
 * Imports flow one way: the runtime never reaches into the harness, the CLI or the reference
 * drivers; reference drivers use only what a third-party driver could (`runtime/driver/index.ts`,
 * the `driver-cert/driver` entry); driver-facing contract files do not depend on hono.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, test } from "vitest";

const ROOT = resolve(import.meta.dirname, "..");

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

/** Relative import targets of `file`, as paths from the project root, and bare specifiers. */
function importsOf(file: string): { local: string[]; bare: string[] } {
  const text = readFileSync(join(ROOT, file), "utf8");
  const local: string[] = [];
  const bare: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)[^;]*?from\s+"([^"]+)"/g)) {
    const spec = m[1];
    if (spec.startsWith(".")) local.push(relative(ROOT, resolve(ROOT, dirname(file), spec)));
    else bare.push(spec);
  }
  return { local, bare };
}

const isTest = (file: string) => file.endsWith(".test.ts") || file.includes("test-helpers");

describe("import boundaries", () => {
  test("runtime/ imports nothing from harness/, bin/ or reference-drivers/ (outside its tests)", () => {
    const offending = sourceFiles("runtime")
      .filter((file) => !isTest(file))
      .flatMap((file) =>
        importsOf(file)
          .local.filter((target) => /^(harness|bin|reference-drivers)\//.test(target))
          .map((target) => `${file} -> ${target}`),
      );
    expect(offending).toEqual([]);
  });

  test("reference drivers import only the driver entry of the runtime (outside their tests)", () => {
    const offending = sourceFiles("reference-drivers")
      .filter((file) => !isTest(file))
      .flatMap((file) =>
        importsOf(file)
          .local.filter((target) => target.startsWith("runtime/"))
          .filter((target) => target !== "runtime/driver/index.ts")
          .map((target) => `${file} -> ${target}`),
      );
    expect(offending).toEqual([]);
  });

  test("the driver contract files do not import hono (Web-standard types only)", () => {
    const contract = [
      ...sourceFiles("runtime/driver"),
      "runtime/routing/universal-websocket.ts",
      "runtime/actor/host-interface.ts",
    ].filter((file) => !isTest(file));
    const offending = contract.flatMap((file) =>
      importsOf(file)
        .bare.filter((spec) => spec === "hono" || spec.startsWith("hono/"))
        .map((spec) => `${file} -> ${spec}`),
    );
    expect(offending).toEqual([]);
  });
});

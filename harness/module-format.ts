/**
 * Whether Node (and tsx, which follows the same rule) loads a file as CommonJS or as an ES
 * module, and why: a `.mjs`/`.mts` file is an ES module and a `.cjs`/`.cts` file CommonJS; any
 * other file follows the `"type"` of the nearest package.json, CommonJS when it has none (Node.js
 * documentation, "Modules: Packages", "Determining module system"). `npm init` writes
 * `"type": "commonjs"`, so a driver written with `export default` often loads as CommonJS.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, extname, join } from "node:path";

/** How a module file loads. */
export interface ModuleFormat {
  format: "commonjs" | "module";
  /** Why, as a clause: `/app/package.json says "type": "commonjs"`. */
  because: string;
  /** The package.json that decided it, when one did. */
  packageJson?: string;
}

function typeOf(packageJson: string): unknown {
  try {
    return (JSON.parse(readFileSync(packageJson, "utf8")) as { type?: unknown }).type;
  } catch {
    return undefined;
  }
}

/** Decides how the file at absolute `path` loads; reads package.json files, never throws. */
export function moduleFormatOf(path: string): ModuleFormat {
  const extension = extname(path);
  if (extension === ".mjs" || extension === ".mts") {
    return { format: "module", because: `its extension is ${extension}` };
  }
  if (extension === ".cjs" || extension === ".cts") {
    return { format: "commonjs", because: `its extension is ${extension}` };
  }
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    const packageJson = join(dir, "package.json");
    if (existsSync(packageJson)) {
      const type = typeOf(packageJson);
      if (type === "module") {
        return { format: "module", because: `${packageJson} says "type": "module"`, packageJson };
      }
      const because =
        type === undefined
          ? `${packageJson} has no "type" (CommonJS is the default)`
          : `${packageJson} says "type": ${JSON.stringify(type)}`;
      return { format: "commonjs", because, packageJson };
    }
    if (dirname(dir) === dir) {
      return { format: "commonjs", because: "no package.json above it sets a type" };
    }
  }
}

/** Messages of errors that come from loading a file in the other module system. */
const MIXED_UP = [
  /Top-level await is currently not supported with the "cjs" output format/,
  /Cannot use import statement outside a module/,
  /Unexpected token 'export'/,
  /\b(require|module|exports|__dirname|__filename) is not defined in ES module scope/,
];
const MIXED_UP_CODES = new Set(["ERR_REQUIRE_ESM", "ERR_REQUIRE_ASYNC_MODULE"]);

/** True when `error` (thrown by importing a module) says the module system was the wrong one. */
export function isModuleSystemMixUp(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && MIXED_UP_CODES.has(code)) return true;
  return MIXED_UP.some((pattern) => pattern.test(error.message));
}

/** How to make a module load the other way, as a hint. */
export function switchFormatHint(path: string, format: ModuleFormat): string {
  const extension = extname(path);
  if (format.format === "commonjs") {
    const renamed = extension === ".ts" ? ".mts" : ".mjs";
    const where = format.packageJson ?? "the project's package.json";
    return `to load it as an ES module, add "type": "module" to ${where} or name the file *${renamed}`;
  }
  const renamed = extension === ".ts" ? ".cts" : ".cjs";
  return `to load it as CommonJS, name the file *${renamed}; or write it with import/export`;
}

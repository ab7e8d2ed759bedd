/**
 * Where the driver-cert package lives, its version, and the URLs of its own modules. The same
 * code runs from the TypeScript sources (a checkout: `<root>/harness/x.ts`) and from the built
 * package (`<root>/dist/harness/x.js`, the layout of the sources under `dist/`).
 */
import { readFileSync } from "node:fs";
import { isAbsolute, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** True when `url` (an `import.meta.url`) names a TypeScript source rather than built JS. */
function isSource(url: string): boolean {
  // The path only: tsx adds a query (`?tsx-namespace=...`) to modules it imports.
  return new URL(url).pathname.endsWith(".ts");
}

/**
 * The URL of one of this package's modules, written as the path of its TypeScript source
 * relative to `base` (the caller's `import.meta.url`): `./fixtures/registry.ts` is that file
 * when the caller runs from the sources, and `./fixtures/registry.js` when it runs built.
 * Throws TypeError when `sourcePath` does not end with `.ts`.
 */
export function packageModuleUrl(sourcePath: string, base: string): URL {
  if (!sourcePath.endsWith(".ts")) {
    throw new TypeError(`packageModuleUrl: "${sourcePath}" is not the path of a .ts source`);
  }
  const path = isSource(base) ? sourcePath : `${sourcePath.slice(0, -".ts".length)}.js`;
  return new URL(path, base);
}

/** Absolute path of the package root (the directory holding package.json, docs/ and dist/). */
export const PACKAGE_ROOT = fileURLToPath(
  new URL(isSource(import.meta.url) ? ".." : "../..", import.meta.url),
).replace(/[\\/]$/, "");

/** The package's version, e.g. "0.1.0". */
export const TOOL_VERSION: string = JSON.parse(
  readFileSync(`${PACKAGE_ROOT}/package.json`, "utf8"),
).version;

/** The driver `driver-cert run` certifies when given no module: the memory reference driver. */
export const DEFAULT_DRIVER_MODULE = fileURLToPath(
  packageModuleUrl("../reference-drivers/memory/index.ts", import.meta.url),
);

/**
 * Where one of the package's docs is, for messages and hints: `docs/<name>` in this copy of the
 * package (it ships docs/), shown relative to `cwd` when it is below it, as in
 * `node_modules/driver-cert/docs/CONTRACT.md`, else as an absolute path.
 */
export function docPath(name: string, cwd: string = process.cwd()): string {
  const path = join(PACKAGE_ROOT, "docs", name);
  const shown = relative(cwd, path);
  return shown.startsWith("..") || isAbsolute(shown) ? path : shown;
}

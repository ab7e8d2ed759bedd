/** Where the driver-cert package lives and its version (read once from package.json). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** Absolute path of the package root (the directory holding package.json). */
export const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url)).replace(/[\\/]$/, "");

/** The package's version, e.g. "0.1.0". */
export const TOOL_VERSION: string = JSON.parse(
  readFileSync(`${PACKAGE_ROOT}/package.json`, "utf8"),
).version;

/** The driver `driver-cert run` certifies when given no module: the memory reference driver. */
export const DEFAULT_DRIVER_MODULE = `${PACKAGE_ROOT}/reference-drivers/memory/index.ts`;

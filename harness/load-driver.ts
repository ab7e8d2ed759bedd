/**
 * Loading a driver module and checking its default export against the contract (zod) before
 * any test runs (DRV-1, DRV-2). Every failure is a DriverLoadError whose one-line message names
 * the missing or mistyped member, or what the default export is instead, and the supported
 * contract version; a module loaded in the other module system (CommonJS for ES) says so.
 */
import { existsSync } from "node:fs";
import { isAbsolute, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  CAPABILITY_NAMES,
  CONTRACT_VERSION,
  type DriverDefinition,
  driverDefinitionSchema,
} from "../runtime/driver/index.ts";
import { DriverLoadError } from "./errors.ts";
import { ImpureImportError, importPurely } from "./import-purity.ts";
import {
  isModuleSystemMixUp,
  type ModuleFormat,
  moduleFormatOf,
  switchFormatHint,
} from "./module-format.ts";
import { docPath } from "./package-info.ts";

const EXPECTED: Record<string, string> = {
  name: "a non-empty string",
  contractVersion: `the number ${CONTRACT_VERSION}`,
  capabilities: `an object of booleans { ${CAPABILITY_NAMES.join(", ")} }`,
  start: "a function start(ctx)",
};

/** The fix for a bad default export, pointing at this copy's docs (it ships docs/). */
function definitionHint(): string {
  return (
    `export default defineDriver({ name, contractVersion: ${CONTRACT_VERSION}, ` +
    `capabilities: { ${CAPABILITY_NAMES.join(", ")} }, start(ctx) {...} }) ` +
    `(defineDriver comes from "driver-cert/driver"); see DRV-1 in ${docPath("CONTRACT.md")}`
  );
}

/** The fix for a module that is not import-pure, pointing at this copy's docs. */
function purityHint(): string {
  return (
    "loading a driver module, and everything it imports, must not start timers, do I/O or " +
    `generate random values; do that in start(ctx) (see ${docPath("writing-a-driver.md")})`
  );
}

const SUPPORTED = `driver-cert supports contract version ${CONTRACT_VERSION}`;

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value;
}

function at(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== "object" && typeof current !== "function") return undefined;
    if (current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/**
 * Checks a module namespace's default export against `driverDefinitionSchema`. `label` names
 * the module in messages. A module written with `export default` that loaded as CommonJS is
 * recognised (its default export is module.exports.default), and a failure then says it loaded
 * as CommonJS and, from `format`, why. Returns the definition with a frozen manifest; throws
 * DriverLoadError.
 */
export function validateDriverExport(
  namespace: unknown,
  label: string,
  format?: ModuleFormat,
): DriverDefinition {
  const hasDefault = typeof namespace === "object" && namespace !== null && "default" in namespace;
  if (!hasDefault) {
    throw new DriverLoadError(`${label} has no default export; ${SUPPORTED}`, definitionHint());
  }
  let value = (namespace as { default: unknown }).default;
  // A module written with `export default` that loads as CommonJS (a .ts file in a package
  // without "type": "module") has its namespace's default set to module.exports: the ES
  // default export sits one level down, on module.exports.default.
  const commonJs = isCommonJsWrapper(value);
  if (commonJs) value = (value as { default: unknown }).default;
  try {
    return validateDriverDefinition(value, label);
  } catch (error) {
    if (!commonJs || !(error instanceof DriverLoadError)) throw error;
    const why = format?.format === "commonjs" ? ` because ${format.because}` : "";
    throw new DriverLoadError(
      `${error.message} (the module loaded as CommonJS${why}; its default export was read from module.exports.default)`,
      error.hint,
    );
  }
}

function isCommonJsWrapper(value: unknown): boolean {
  if (typeof value !== "object" || value === null || !("default" in value)) return false;
  if ("start" in value || "name" in value) return false;
  // esbuild (tsx) and tsc mark an ES module compiled to CommonJS with __esModule.
  if ((value as { __esModule?: unknown }).__esModule === true) return true;
  return Object.keys(value).filter((k) => k !== "__esModule").length === 1;
}

const MEMBERS_SHOWN = 8;

function memberList(value: object): string {
  const keys = Object.keys(value);
  const shown = keys.slice(0, MEMBERS_SHOWN).join(", ");
  return keys.length > MEMBERS_SHOWN ? `${shown}, ... (${keys.length} in all)` : shown;
}

/**
 * What a default export is, for messages: `function startMyDriver`, `class MyDriver`, `a
 * Promise`, `the string "memory"`, `an object with members manager, stop`.
 */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (typeof value === "function") {
    const name = value.name ? ` ${value.name}` : "";
    if (/^class[\s{]/.test(Function.prototype.toString.call(value))) return `class${name}`;
    const kind = value.constructor?.name === "AsyncFunction" ? "async function" : "function";
    return name ? `${kind}${name}` : `an anonymous ${kind}`;
  }
  if (typeof value === "string") {
    const text = value.length > 40 ? `${value.slice(0, 40)}...` : value;
    return `the string ${JSON.stringify(text)}`;
  }
  if (typeof value !== "object") return `the ${typeof value} ${String(value)}`;
  if (typeof (value as { then?: unknown }).then === "function") return "a Promise";
  if (Array.isArray(value))
    return `an array of ${value.length} item${value.length === 1 ? "" : "s"}`;
  const members = memberList(value);
  return members ? `an object with members ${members}` : "an empty object";
}

/** A default export that is clearly something else: why, when it can tell. */
function looksLike(value: object): string {
  if ("manager" in value && "stop" in value) {
    return " (what start(ctx) returns, not the definition that has start)";
  }
  if (typeof (value as { then?: unknown }).then === "function") {
    return " (export the definition itself, not a promise of it)";
  }
  return "";
}

/** Checks a driver definition value (the default export itself); throws DriverLoadError. */
export function validateDriverDefinition(value: unknown, label: string): DriverDefinition {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DriverLoadError(
      `${label}: the default export is ${describeValue(value)}, expected the object returned by defineDriver(...); ${SUPPORTED}`,
      definitionHint(),
    );
  }
  if (!("name" in value) && !("contractVersion" in value) && !("start" in value)) {
    throw new DriverLoadError(
      `${label}: the default export is ${describeValue(value)}${looksLike(value)}, not the object returned by defineDriver(...); ${SUPPORTED}`,
      definitionHint(),
    );
  }
  const parsed = driverDefinitionSchema.safeParse(value);
  if (parsed.success) {
    const definition = value as DriverDefinition;
    return Object.freeze({
      ...definition,
      capabilities: Object.freeze({ ...definition.capabilities }),
    });
  }
  const problems = parsed.error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      const where = issue.path.join(".") || "the definition";
      return `"${where}" has unknown member${issue.keys.length > 1 ? "s" : ""} ${issue.keys
        .map((k) => `"${k}"`)
        .join(", ")} (known: ${CAPABILITY_NAMES.join(", ")})`;
    }
    const path = issue.path.map(String).join(".");
    const expected =
      EXPECTED[path] ?? (path.startsWith("capabilities.") ? "a boolean" : issue.message);
    const actual = at(value, issue.path);
    if (actual === undefined) return `"${path}" is missing (expected ${expected})`;
    if (path === "contractVersion") return `"contractVersion" is ${JSON.stringify(actual)}`;
    return `"${path}" is ${typeName(actual)} (expected ${expected})`;
  });
  throw new DriverLoadError(
    `${label}: invalid driver definition: ${problems.join("; ")}; ${SUPPORTED}`,
    definitionHint(),
  );
}

const DEFINE_DRIVER_REFUSAL = "defineDriver: invalid driver definition";

/**
 * A `defineDriver(...)` call that threw at import is a definition problem, not a crash: it is
 * described like a plain export that fails validation. Returns undefined for other errors.
 */
function refusedDefinition(error: unknown, label: string): DriverLoadError | undefined {
  if (!(error instanceof TypeError) || !error.message.startsWith(DEFINE_DRIVER_REFUSAL)) return;
  if ("definition" in error) {
    try {
      validateDriverDefinition(error.definition, label);
    } catch (refusal) {
      if (refusal instanceof DriverLoadError) return refusal;
    }
  }
  // A defineDriver without the refused value attached (another copy of the toolkit): its own
  // message already names the members and the contract version.
  const detail = error.message.slice(DEFINE_DRIVER_REFUSAL.length).trim();
  return new DriverLoadError(`${label}: invalid driver definition ${detail}`, definitionHint());
}

/**
 * The line that says why an import failed. A transform (syntax) error's first line is only
 * "Transform failed with 1 error:"; the error itself is on the next line or in `errors[]`.
 */
function importFailure(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const lines = error.message.split("\n").filter((line) => line.trim() !== "");
  let reason = lines[0] ?? "";
  if (/^Transform failed with \d+ errors?:?$/.test(reason)) {
    const first = (error as { errors?: EsbuildMessage[] }).errors?.[0];
    const located = first ? esbuildLine(first) : lines[1]?.trim();
    if (located) reason = `${reason.replace(/:?$/, ":")} ${located}`;
  } else if (error instanceof SyntaxError && typeof error.stack === "string") {
    // Node's own syntax errors give the place only as the stack's first line ("file:///x.js:3").
    const where = /^(\S+:\d+)\n/.exec(error.stack)?.[1];
    if (where && !reason.includes(where)) reason = `${reason} (at ${where})`;
  }
  return `${error.name}: ${reason}`;
}

interface EsbuildMessage {
  text?: string;
  location?: { file?: string; line?: number; column?: number } | null;
}

function esbuildLine(message: EsbuildMessage): string | undefined {
  if (!message.text) return undefined;
  const at = message.location;
  const where = at?.file ? `${at.file}:${at.line ?? 0}:${at.column ?? 0}: ` : "";
  return `${where}ERROR: ${message.text}`;
}

/** Imports a module by URL; the CLI uses tsx so `.ts` modules load, vitest its own loader. */
export type ModuleImporter = (url: string) => Promise<unknown>;

/**
 * Resolves `specifier` against `cwd`, imports it with `importer` and validates its default
 * export. Throws DriverLoadError for a missing file, an import that throws, or a bad export.
 */
export async function loadDriverModule(
  specifier: string,
  importer: ModuleImporter,
  cwd = process.cwd(),
): Promise<{ definition: DriverDefinition; path: string }> {
  const path = isAbsolute(specifier) ? specifier : resolve(cwd, specifier);
  const shown = relative(cwd, path).startsWith("..") ? path : `./${relative(cwd, path)}`;
  const label = `driver module ${shown}`;
  if (!existsSync(path)) {
    throw new DriverLoadError(
      `cannot find ${label} (resolved to ${path})`,
      "pass the path of a .js or .ts module",
    );
  }
  const format = moduleFormatOf(path);
  let namespace: unknown;
  try {
    namespace = await importPurely(() => importer(pathToFileURL(path).href));
  } catch (error) {
    if (error instanceof ImpureImportError) {
      throw new DriverLoadError(
        `${label} is not import-pure: ${error.message}`,
        purityHint(),
        error,
      );
    }
    const refusal = refusedDefinition(error, label);
    if (refusal) throw refusal;
    if (isModuleSystemMixUp(error)) {
      const as = format.format === "commonjs" ? "CommonJS" : "an ES module";
      throw new DriverLoadError(
        `${label} loaded as ${as} because ${format.because}, and failed: ${importFailure(error)}`,
        switchFormatHint(path, format),
        error,
      );
    }
    throw new DriverLoadError(
      `${label} threw while loading: ${importFailure(error)}`,
      "importing a driver module must not throw; run `node --import tsx <module>` to see the stack",
      error,
    );
  }
  return { definition: validateDriverExport(namespace, label, format), path };
}

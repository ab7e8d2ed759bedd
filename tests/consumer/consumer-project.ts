/**
 * The files of a driver author's own project, as the installed-package test writes them: a
 * package.json as `npm init` makes it (`"type": "commonjs"`), a strict tsconfig without
 * skipLibCheck, the memory reference driver rewritten to import `driver-cert/driver` (a `.ts`
 * driver with a named export beside its default), a vitest file calling runDriverTests, a file
 * using every entry point's types, and a plain-node script. A `.js` driver lives in a package
 * of its own with its own copy of driver-cert (see writeSecondCopy).
 */
import { readFileSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

const ROOT = join(import.meta.dirname, "..", "..");

/** The cbor-extract version this repository pins with an override (package.json). */
const CBOR_EXTRACT: string = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).overrides[
  "cbor-extract"
];

/**
 * What each route runs: a few suites, enough to show the installed harness hosts, drives and
 * reports through each entry point (the whole suite runs on the sources elsewhere). The `.js`
 * driver with its own copy of the package runs the MGR-5 tests: its actor_already_exists must
 * keep its code through the harness's copy.
 */
export const CLI_TS_ARGS = ["--suite", "lifecycle,metadata"];
export const CLI_JS_ARGS = ["--suite", "manager", "--grep", "MGR-5"];
export const VITEST_SUITES = ["vars", "state"];

const TSCONFIG = {
  compilerOptions: {
    target: "ES2022",
    lib: ["ES2022"],
    module: "NodeNext",
    moduleResolution: "NodeNext",
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    // What \`tsc --init\` writes for Node; TypeScript 7 loads no @types package unless listed.
    types: ["node"],
  },
  include: ["**/*.ts"],
  exclude: ["node_modules", "my-js-driver"],
};

/** Uses the public types of every entry point, so `tsc` checks each one's declarations. */
const EVERY_ENTRY = `import { actor, ActorError, isActorError, setup, UserError } from "driver-cert";
import { createClient } from "driver-cert/client";
import { type DriverDefinition, defineDriver } from "driver-cert/driver";
import { runDriverTests } from "driver-cert/vitest";

const counter = actor({
  state: { count: 0 },
  actions: { increment: (c, by: number) => (c.state.count += by) },
});
export const registry = setup({ use: { counter } });
const client = createClient<typeof registry>("http://127.0.0.1:1");
export const handle = client.counter.getOrCreate(["a"]);
export const failure: ActorError = new UserError("no", { code: "over_limit" });
export const known: boolean = isActorError(failure);
export const definition: DriverDefinition = defineDriver({
  name: "typed",
  contractVersion: 1,
  capabilities: { websocket: true, sse: false, schedule: false, durable: false },
  start: () => {
    throw new Error("never started");
  },
});
export const register: typeof runDriverTests = runDriverTests;
`;

const VITEST_FILE = `import { runDriverTests } from "driver-cert/vitest";
import driver from "./drivers/memory.ts";

runDriverTests(driver, { suites: ${JSON.stringify(VITEST_SUITES)}, concurrent: true });
`;

/**
 * Plain node: the driver entry loads without a loader, a definition validates, ActorError keeps
 * its brand, and the fixture registry URL the built harness hands to drivers (ctx.registryModule)
 * names a built .js module whose default export is the registry.
 */
const NODE_SCRIPT = `import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ActorError, CONTRACT_VERSION, defineDriver, isActorError } from "driver-cert/driver";

const definition = defineDriver({
  name: "plain-node",
  contractVersion: CONTRACT_VERSION,
  capabilities: { websocket: false, sse: false, schedule: false, durable: false },
  start: () => ({ manager: {}, stop: async () => {} }),
});
assert.equal(definition.name, "plain-node");
assert.equal(isActorError(new ActorError("actor_not_found", "gone")), true);
const bindings = new URL("./node_modules/driver-cert/dist/harness/runtime-bindings.js", import.meta.url);
const { FIXTURE_REGISTRY_MODULE } = await import(bindings.href);
assert.match(FIXTURE_REGISTRY_MODULE, /\\/dist\\/harness\\/fixtures\\/registry\\.js$/);
assert.ok(existsSync(fileURLToPath(FIXTURE_REGISTRY_MODULE)));
const registry = (await import(FIXTURE_REGISTRY_MODULE)).default;
assert.ok(Object.keys(registry.actors).length > 0);
console.log("plain node: ok");
`;

async function write(dir: string, path: string, text: string): Promise<void> {
  await mkdir(dirname(join(dir, path)), { recursive: true });
  await writeFile(join(dir, path), text);
}

/** The memory reference driver's files with `from` replaced by the `driver-cert/driver` entry. */
async function memoryDriver(sourceDir: string, extension: string, from: string) {
  const files: Record<string, string> = {};
  for (const name of ["index", "memory-store"]) {
    const text = await readFile(join(sourceDir, `${name}${extension}`), "utf8");
    if (!text.includes(`"${from}"`))
      throw new Error(`${name}${extension} no longer imports ${from}`);
    files[name] = text.replaceAll(`"${from}"`, '"driver-cert/driver"');
  }
  return files;
}

/** Writes the consumer project into `dir`; `devDependencies` include driver-cert's tarball. */
export async function writeConsumerProject(
  dir: string,
  devDependencies: Record<string, string>,
): Promise<void> {
  // The override README.md asks for: without it npm writes a lockfile `npm ci` refuses.
  const overrides = { "cbor-extract": CBOR_EXTRACT };
  const pkg = { name: "my-driver", version: "1.0.0", type: "commonjs", devDependencies, overrides };
  await write(dir, "package.json", `${JSON.stringify(pkg, null, 2)}\n`);
  await write(dir, "tsconfig.json", `${JSON.stringify(TSCONFIG, null, 2)}\n`);
  await write(dir, "every-entry.ts", EVERY_ENTRY);
  await write(dir, "certify.test.ts", VITEST_FILE);
  await write(dir, "plain-node.mjs", NODE_SCRIPT);
  const memory = await memoryDriver(
    join(ROOT, "reference-drivers", "memory"),
    ".ts",
    "../../runtime/driver/index.ts",
  );
  await write(dir, "drivers/memory.ts", memory.index);
  await write(dir, "drivers/memory-store.ts", memory["memory-store"]);
}

/**
 * Writes `my-js-driver/`, a package of its own (`"type": "module"`) holding the built memory
 * driver as plain JavaScript, next to `my-js-driver/node_modules/driver-cert`, the copy it
 * imports: a second copy of the package beside the one that runs the CLI.
 */
export async function writeSecondCopy(dir: string, installed: string): Promise<void> {
  const pkg = { name: "my-js-driver", version: "1.0.0", type: "module", private: true };
  await write(dir, "my-js-driver/package.json", `${JSON.stringify(pkg, null, 2)}\n`);
  const memory = await memoryDriver(
    join(installed, "dist", "reference-drivers", "memory"),
    ".js",
    "../../runtime/driver/index.js",
  );
  await write(dir, "my-js-driver/index.js", memory.index);
  await write(dir, "my-js-driver/memory-store.js", memory["memory-store"]);
}

/**
 * driver-cert as a driver author gets it: `npm pack`, the tarball installed into a fresh project
 * (`npm ci --offline` from the npm cache this repository's `npm ci` filled; no registry
 * request), then from that project: `npx driver-cert run` on a `.ts` driver (in a CommonJS
 * project, as `npm init` makes it) and on a `.js` driver that imports its own second copy of the
 * package (MGR-5's actor_already_exists must survive the copy), a vitest file calling
 * runDriverTests, `tsc --noEmit` strict without skipLibCheck, and plain `node` importing
 * `driver-cert/driver`. Prints the tarball's file count and sizes and the install's size.
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { reportSchema } from "../../harness/report/model.ts";
import { consumerLockfile, type PackedManifest } from "./consumer-lockfile.ts";
import {
  CLI_JS_ARGS,
  CLI_TS_ARGS,
  VITEST_SUITES,
  writeConsumerProject,
  writeSecondCopy,
} from "./consumer-project.ts";

const ROOT = join(import.meta.dirname, "..", "..");
const STEP_TIMEOUT_MS = 240_000;

interface PackResult {
  filename: string;
  integrity: string;
  size: number;
  unpackedSize: number;
  files: Array<{ path: string }>;
}

let work: string;
let project: string;
let packed: PackResult;

/** The environment of every command: this vitest run's own variables removed. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const key of Object.keys(env)) {
    if (key.startsWith("VITEST") || key === "NODE_OPTIONS" || key === "TEST") delete env[key];
  }
  delete env.NODE_ENV;
  env.NO_COLOR = "1";
  return env;
}

function run(command: string, args: string[], cwd: string): SpawnSyncReturns<string> {
  return spawnSync(command, args, {
    cwd,
    env: cleanEnv(),
    encoding: "utf8",
    timeout: STEP_TIMEOUT_MS,
    maxBuffer: 64 * 1024 * 1024,
  });
}

function output(result: SpawnSyncReturns<string>): string {
  return `exit ${result.status} ${result.signal ?? ""}\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`;
}

function mustSucceed(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) throw new Error(`${what} failed: ${output(result)}`);
  return result.stdout;
}

async function sizeOf(path: string): Promise<number> {
  const info = await stat(path);
  if (!info.isDirectory()) return info.size;
  let total = 0;
  for (const entry of await readdir(path)) total += await sizeOf(join(path, entry));
  return total;
}

const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

beforeAll(async () => {
  const started = Date.now();
  work = await mkdtemp(join(tmpdir(), "driver-cert-consumer-"));
  project = join(work, "my-driver");
  await mkdir(project);
  // npm pack runs `prepare`, which builds dist/ from the current sources.
  const pack = mustSucceed(
    run("npm", ["pack", "--json", "--pack-destination", project], ROOT),
    "npm pack",
  );
  [packed] = JSON.parse(pack.slice(pack.indexOf("[")));
  const repoLock = JSON.parse(await readFile(join(ROOT, "package-lock.json"), "utf8"));
  const devDependencies = {
    typescript: repoLock.packages["node_modules/typescript"].version,
    vitest: repoLock.packages["node_modules/vitest"].version,
    "@types/node": repoLock.packages["node_modules/@types/node"].version,
  };
  await writeConsumerProject(project, {
    ...devDependencies,
    "driver-cert": `file:${packed.filename}`,
  });
  const manifest: PackedManifest = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
  const lock = consumerLockfile({
    repoLock,
    manifest,
    tarball: { fileName: packed.filename, integrity: packed.integrity },
    name: "my-driver",
    devDependencies,
  });
  await writeFile(join(project, "package-lock.json"), JSON.stringify(lock, null, 2));
  // Install scripts are skipped: they build optional native add-ons, nothing driver-cert needs.
  mustSucceed(
    run("npm", ["ci", "--offline", "--ignore-scripts", "--no-audit", "--no-fund"], project),
    "npm ci --offline in the consumer project",
  );
  const installSize = await sizeOf(join(project, "node_modules"));
  const second = join(project, "my-js-driver", "node_modules");
  await mkdir(second, { recursive: true });
  mustSucceed(run("tar", ["-xzf", join(project, packed.filename), "-C", second], project), "tar");
  await rename(join(second, "package"), join(second, "driver-cert"));
  await writeSecondCopy(project, join(project, "node_modules", "driver-cert"));
  console.log(
    `driver-cert tarball: ${packed.files.length} files, ${kB(packed.size)} packed, ` +
      `${MB(packed.unpackedSize)} unpacked; consumer node_modules (with typescript, vitest, ` +
      `@types/node): ${MB(installSize)}; packed and installed in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}, 2 * STEP_TIMEOUT_MS);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

async function reportOf(dir: string) {
  return reportSchema.parse(JSON.parse(await readFile(join(dir, "report.json"), "utf8")));
}

describe("the packed package, installed in a driver author's project", () => {
  test("ships built code with types for every entry, the docs and LICENSE; no sources or tests", () => {
    const paths = packed.files.map((f) => f.path);
    for (const entry of [
      "runtime/index",
      "runtime/driver/index",
      "runtime/client/index",
      "harness/vitest",
    ]) {
      expect(paths).toContain(`dist/${entry}.js`);
      expect(paths).toContain(`dist/${entry}.d.ts`);
    }
    expect(paths).toEqual(
      expect.arrayContaining([
        "LICENSE",
        "docs/CONTRACT.md",
        "bin/driver-cert.mjs",
        "dist/bin/cli.js",
      ]),
    );
    const unwanted = paths.filter(
      (p) =>
        /\.test\.|(^|\/)(tests|mutants)\//.test(p) || (p.endsWith(".ts") && !p.endsWith(".d.ts")),
    );
    expect(unwanted).toEqual([]);
  });

  /** `npx driver-cert run <driver> <args>` in the project; the report it wrote. */
  async function certify(driver: string, args: string[], name: string) {
    const out = join(work, name);
    const cli = ["--no", "--", "driver-cert", "run", driver, ...args, "--out", out];
    const result = run("npx", cli, project);
    expect(result.status, output(result)).toBe(0);
    const report = await reportOf(out);
    const broken = report.tests.filter((t) => t.status === "fail" || t.status === "timeout");
    expect(broken.map((t) => `${t.id}: ${t.error?.message}`)).toEqual([]);
    return report;
  }

  test(`npx driver-cert run: a .ts driver in a CommonJS project (${CLI_TS_ARGS.join(" ")})`, async () => {
    const report = await certify("./drivers/memory.ts", CLI_TS_ARGS, "reports-ts");
    expect(report.tests.filter((t) => t.status === "pass").length).toBeGreaterThan(0);
  });

  test(`npx driver-cert run: a .js driver importing its own copy of the package (${CLI_JS_ARGS.join(" ")})`, async () => {
    const report = await certify("./my-js-driver/index.js", CLI_JS_ARGS, "reports-js");
    const mgr5 = report.tests.filter((t) => t.clause === "MGR-5");
    expect(mgr5.length).toBeGreaterThan(0);
    expect(mgr5.every((t) => t.status === "pass")).toBe(true);
  });

  test(`a vitest file calling runDriverTests passes (suites ${VITEST_SUITES.join(", ")})`, () => {
    const result = run("npx", ["--no", "--", "vitest", "run", "certify.test.ts"], project);
    expect(result.status, output(result)).toBe(0);
    expect(result.stdout).toMatch(/Tests\s+\d+ passed/);
    expect(result.stdout).not.toMatch(/\d+ failed/);
  });

  test("tsc --noEmit, strict and without skipLibCheck, accepts every entry point's types", () => {
    const result = run("npx", ["--no", "--", "tsc", "-p", "."], project);
    expect(result.status, output(result)).toBe(0);
  });

  test("plain node imports driver-cert/driver; the built fixture registry URL loads", () => {
    const result = run(process.execPath, ["plain-node.mjs"], project);
    expect(result.status, output(result)).toBe(0);
    expect(result.stdout).toContain("plain node: ok");
  });
});

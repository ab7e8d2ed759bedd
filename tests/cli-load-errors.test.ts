/**
 * `driver-cert run` on malformed driver modules: exit code 2 before any test, and one line
 * naming the missing or mistyped member and the supported contract version (DRV-1, DRV-2), or
 * the syntax error; and on drivers that cannot be started or stopped once: exit code 2 and one
 * line (plus the driver's stack) instead of every test failing alike.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, onTestFinished, test } from "vitest";
import { main } from "../bin/cli.ts";
import { exitCodeFor, runCertification } from "../harness/certify.ts";
import { DriverStartError, formatStartError } from "../harness/errors.ts";
import { Capture } from "./support/capture.ts";

const DRIVERS = "tests/fixtures/drivers";
const TINY_SUITES = ["--suites-module", "tests/fixtures/suites/tiny-suites.ts"];
// Load and start failures still write a report naming the failure (tests/ci-verdict.test.ts).
let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), "driver-cert-load-errors-"));
});
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

async function cli(...args: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(["node", "driver-cert", ...args], { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe("driver-cert run on a malformed module", () => {
  test.each([
    [
      "missing-start.ts",
      /: invalid driver definition: "start" is missing \(expected a function start\(ctx\)\)/,
    ],
    ["wrong-contract-version.ts", /: invalid driver definition: "contractVersion" is 2;/],
    // defineDriver(...) refusing the definition at import reads like the plain export's check.
    [
      "define-driver-missing-start.ts",
      /: invalid driver definition: "start" is missing \(expected a function start\(ctx\)\)/,
    ],
    ["define-driver-wrong-version.ts", /: invalid driver definition: "contractVersion" is 2;/],
    [
      "capabilities-not-object.ts",
      /"capabilities" is string \(expected an object of booleans \{ websocket, sse, schedule, durable, sleep, distributed \}\)/,
    ],
    ["no-default-export.ts", /no-default-export\.ts has no default export;/],
    [
      "throws-on-import.ts",
      /threw while loading: Error: cannot reach the storage backend at import time/,
    ],
    [
      "throws-on-import-plain.js",
      /threw while loading: TypeError: driver misconfigured: DATABASE_URL is not set/,
    ],
  ])("%s exits 2 naming the problem", async (file, message) => {
    const { code, stdout, stderr } = await cli("run", `${DRIVERS}/${file}`, "--out", out);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const [line, hint] = stderr.trimEnd().split("\n");
    expect(line).toMatch(message);
    expect(line).toMatch(
      new RegExp(
        `^driver-cert: (cannot find )?driver module \\./${DRIVERS}/${file.replace(".", "\\.")}`,
      ),
    );
    if (!file.startsWith("throws")) {
      expect(line).toMatch(/driver-cert supports contract version 1$/);
      expect(hint).not.toContain("node --import tsx");
    }
    expect(hint).toMatch(/^ {2}hint: /);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  test("a syntax error names the error and where it is, not just that a transform failed", async () => {
    const dir = await mkdtemp(join(tmpdir(), "driver-cert-syntax-"));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, "broken-driver.ts");
    await writeFile(file, 'export default {\n  name: "x",\n  start() { return 1 +; },\n};\n');
    const { code, stdout, stderr } = await cli("run", file);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const [line] = stderr.split("\n");
    expect(line).toContain(`driver module ${file} threw while loading: `);
    expect(line).toMatch(/broken-driver\.ts:3:\d+: ERROR: Unexpected ";"$/);
  });

  test("a missing file and a bad option exit 2 too", async () => {
    const missing = await cli("run", `${DRIVERS}/does-not-exist.ts`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(
      /^driver-cert: cannot find driver module \.\/tests\/fixtures\/drivers\/does-not-exist\.ts/,
    );
    const bad = await cli("run", `${DRIVERS}/tiny-driver.ts`, "--encoding", "xml");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /'--encoding <encoding>' argument 'xml' is invalid\. Allowed choices are json, cbor/,
    );
  });

  test("the installed command exits 2 as a process", { timeout: 120_000 }, () => {
    const child = spawnSync(
      process.execPath,
      ["bin/driver-cert.mjs", "run", `${DRIVERS}/missing-start.ts`],
      {
        encoding: "utf8",
        timeout: 60_000,
      },
    );
    expect(child.status).toBe(2);
    expect(child.stderr).toMatch(/"start" is missing .*driver-cert supports contract version 1/);
  });
});

describe("driver-cert run on a driver that cannot be started or stopped", () => {
  test.each([
    [
      "start-throws.ts",
      /^driver-cert: driver "start-throws" could not be started: cannot open the database for dc-[0-9a-f-]{12} in an existing data dir$/,
      true,
    ],
    [
      "start-actor-error.ts",
      /^driver-cert: driver "start-actor-error" could not be started: storage backend refused the connection \[internal_error\]$/,
      false,
    ],
    [
      "start-returns-nothing.ts",
      /^driver-cert: driver "start-returns-nothing" could not be started: start\(ctx\) resolved to undefined, expected \{ manager, stop\(\), restart\?\(\) \}$/,
      false,
    ],
    [
      "stop-throws.ts",
      /^driver-cert: driver "stop-throws" could not be stopped: connection pool already closed$/,
      true,
    ],
  ])("%s exits 2 with one line before any test", async (file, message, stack) => {
    const { code, stdout, stderr } = await cli(
      "run",
      `${DRIVERS}/${file}`,
      ...TINY_SUITES,
      "--out",
      out,
    );
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const [line, ...rest] = stderr.trimEnd().split("\n");
    expect(line).toMatch(message);
    if (stack) {
      // The driver's own error keeps its stack, which points into the driver.
      expect(rest[0]).toMatch(/^Error: /);
      expect(rest.join("\n"), stderr).toContain(`drivers/${file}`);
    } else {
      expect(rest).toEqual([]);
    }
  });

  test("a stop that never settles is bounded", async () => {
    const run = runCertification({
      driverModule: `${DRIVERS}/stop-hangs.ts`,
      suitesModule: "tests/fixtures/suites/tiny-suites.ts",
      outDir: out,
      stdout: new Capture(),
      preflight: { stopMs: 200 },
    });
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(DriverStartError);
    expect(formatStartError(error)).toBe(
      'driver-cert: driver "stop-hangs" could not be stopped: driver did not answer stop within 200 ms\n',
    );
    expect(exitCodeFor(error)).toBe(2);
  });

  test("list never starts the driver", async () => {
    const { code, stdout, stderr } = await cli(
      "list",
      `${DRIVERS}/start-throws.ts`,
      ...TINY_SUITES,
    );
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toMatch(/^driver "start-throws" \(contract 1\)/);
  });

  test("a start that hangs is bounded, and the command exits though the driver keeps a timer", {
    timeout: 120_000,
  }, () => {
    const child = spawnSync(
      process.execPath,
      ["bin/driver-cert.mjs", "run", `${DRIVERS}/start-hangs.ts`, ...TINY_SUITES],
      { encoding: "utf8", timeout: 60_000 },
    );
    expect(child.signal).toBeNull();
    expect(child.status).toBe(2);
    expect(child.stdout).toBe("");
    expect(child.stderr).toBe(
      'driver-cert: driver "start-hangs" could not be started: driver did not answer start within 10000 ms\n',
    );
  });
});

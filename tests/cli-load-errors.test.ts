/**
 * `driver-cert run` on malformed driver modules: exit code 2 before any test, and one line
 * naming the missing or mistyped member and the supported contract version (DRV-1, DRV-2).
 */
import { spawnSync } from "node:child_process";
import { describe, expect, test } from "vitest";
import { main } from "../bin/cli.ts";
import { Capture } from "./support/capture.ts";

const DRIVERS = "tests/fixtures/drivers";

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
    [
      "capabilities-not-object.ts",
      /"capabilities" is string \(expected an object of booleans \{ websocket, sse, schedule, durable \}\)/,
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
    const { code, stdout, stderr } = await cli(
      "run",
      `${DRIVERS}/${file}`,
      "--out",
      "/nonexistent/never-written",
    );
    expect(code).toBe(2);
    expect(stdout).toBe("");
    const [line, hint] = stderr.trimEnd().split("\n");
    expect(line).toMatch(message);
    expect(line).toMatch(
      new RegExp(
        `^driver-cert: (cannot find )?driver module \\./${DRIVERS}/${file.replace(".", "\\.")}`,
      ),
    );
    if (!file.startsWith("throws"))
      expect(line).toMatch(/driver-cert supports contract version 1$/);
    expect(hint).toMatch(/^ {2}hint: /);
    expect(stderr).not.toMatch(/\n\s+at /);
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

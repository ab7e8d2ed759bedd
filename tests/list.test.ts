/**
 * `driver-cert list` / `run --list`: the plan, with every skip and its reason, and nothing run;
 * and the installed command when its reader goes away (`driver-cert list | head -3`).
 */
import { spawn } from "node:child_process";
import { describe, expect, test } from "vitest";
import { main } from "../bin/cli.ts";
import { Capture } from "./support/capture.ts";

const TINY = [
  "tests/fixtures/drivers/tiny-driver.ts",
  "--suites-module",
  "tests/fixtures/suites/tiny-suites.ts",
];

/**
 * Runs the installed command with `closed` ("stdout" or "stderr") closed by its reader before
 * anything is written, as `| head -3` closes it after three lines; resolves the exit code and
 * what arrived on the other stream.
 */
function withClosedPipe(closed: "stdout" | "stderr", ...args: string[]) {
  const child = spawn(process.execPath, ["bin/driver-cert.mjs", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child[closed].destroy();
  const open = closed === "stdout" ? child.stderr : child.stdout;
  let text = "";
  open.on("data", (chunk) => {
    text += String(chunk);
  });
  return new Promise<{ code: number | null; signal: string | null; text: string }>(
    (resolve, reject) => {
      child.on("error", reject);
      child.on("close", (code, signal) => resolve({ code, signal, text }));
    },
  );
}

async function cli(...args: string[]) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await main(["node", "driver-cert", ...args], { stdout, stderr });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe("driver-cert list", () => {
  test("prints each case with status, id, clause and reason, then totals", async () => {
    const { code, stdout, stderr } = await cli("list", ...TINY);
    expect(code).toBe(0);
    expect(stderr).toBe("");
    const lines = stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(
      'driver "tiny" (contract 1); capabilities: websocket, sleep; not declared: sse, schedule, durable, distributed',
    );
    expect(lines).toContainEqual(
      expect.stringMatching(/^run +tiny-manager\/get-for-id-unknown +MGR-2$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^unsupported +tiny-matrix\/each-cell-names-a-transport-the-driver-declares \[transport=sse,encoding=json\] +CONN-1 {2}unsupported: sse not declared by driver "tiny"$/,
      ),
    );
    expect(lines.at(-1)).toBe("7 to run, 3 unsupported, 0 skipped");
  });

  test("run --list with filters says which flag left each case out", async () => {
    const { code, stdout } = await cli(
      "run",
      ...TINY,
      "--list",
      "--suite",
      "tiny-matrix",
      "--encoding",
      "json",
    );
    expect(code).toBe(0);
    expect(stdout).toContain(
      "filters: --suite tiny-matrix --encoding json (a partial run never certifies)",
    );
    expect(stdout).toMatch(
      /^skipped +tiny-manager\/get-for-id-unknown +MGR-2 {2}not selected: --suite tiny-matrix$/m,
    );
    expect(stdout).toMatch(
      /^skipped +tiny-matrix\/each-cell-[a-z-]+ \[transport=websocket,encoding=cbor\] +CONN-1 {2}not selected: --encoding json$/m,
    );
    expect(stdout).toMatch(
      /^run +tiny-matrix\/each-cell-[a-z-]+ \[transport=websocket,encoding=json\] +CONN-1$/m,
    );
    expect(stdout.trimEnd().split("\n").at(-1)).toBe("3 to run, 2 unsupported, 5 skipped");
  });

  test("an unknown suite is a usage error naming the suites there are", async () => {
    const { code, stderr } = await cli("list", ...TINY, "--suite", "nope");
    expect(code).toBe(2);
    expect(stderr).toBe(
      'driver-cert: --suite: no suite named "nope"\n  hint: suites: tiny-manager, tiny-matrix\n',
    );
  });
});

describe("driver-cert when its reader goes away", () => {
  test("list | head: output stops quietly and the exit code is the run's", {
    timeout: 120_000,
  }, async () => {
    const { code, signal, text } = await withClosedPipe("stdout", "list");
    expect(signal).toBeNull();
    expect(text).toBe("");
    expect(code).toBe(0);
  });

  test("a closed stderr keeps a load failure's exit code 2", { timeout: 120_000 }, async () => {
    const { code, text } = await withClosedPipe(
      "stderr",
      "run",
      "tests/fixtures/drivers/missing-start.ts",
    );
    expect(text).toBe("");
    expect(code).toBe(2);
  });
});

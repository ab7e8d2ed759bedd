/** `driver-cert list` / `run --list`: the plan, with every skip and its reason, and nothing run. */
import { describe, expect, test } from "vitest";
import { main } from "../bin/cli.ts";
import { Capture } from "./support/capture.ts";

const TINY = [
  "tests/fixtures/drivers/tiny-driver.ts",
  "--suites-module",
  "tests/fixtures/suites/tiny-suites.ts",
];

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
      'driver "tiny" (contract 1); capabilities: websocket; not declared: sse, schedule, durable',
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

/**
 * Selecting what runs, as a person reproducing one failure does: `--id` is exact and
 * repeatable, `--clause` exact (CONN-1 is not CONN-10), `--grep` a regex whose empty selection
 * is explained; a selection of nothing exits 2, for `list` and for `run` (before any test). Also
 * `list --json`, `--shard` splitting the plan, and `--out -` refused.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { cli, TINY_SUITES } from "./support/cli.ts";

const TINY = ["tests/fixtures/drivers/tiny-driver.ts", ...TINY_SUITES];
const CELL_ID =
  "tiny-matrix/each-cell-names-a-transport-the-driver-declares [transport=websocket,encoding=json]";

interface Listed {
  id: string;
  clause: string;
  status: string;
  reason?: string;
  skipKind?: string;
}

async function listJson(...args: string[]) {
  const { code, stdout, stderr } = await cli(["list", "--json", ...args]);
  expect(stderr).toBe("");
  expect(code).toBe(0);
  return JSON.parse(stdout) as {
    driver: { name: string };
    partial: boolean;
    filters: string;
    totals: Record<string, number>;
    cases: Listed[];
  };
}

const selected = (cases: Listed[]) => cases.filter((c) => c.skipKind !== "filter");

describe("selection", () => {
  test("--id selects exactly the ids given (brackets are not a regex class), repeatable", {
    timeout: 120_000,
  }, async () => {
    const one = await listJson(...TINY, "--id", CELL_ID);
    expect(selected(one.cases).map((c) => c.id)).toEqual([CELL_ID]);
    expect(one.partial).toBe(true);
    expect(one.filters).toBe(`--id ${JSON.stringify(CELL_ID)}`);
    const two = await listJson(...TINY, "--id", CELL_ID, "--id", "tiny-manager/get-for-id-unknown");
    expect(
      selected(two.cases)
        .map((c) => c.id)
        .sort(),
    ).toEqual(["tiny-manager/get-for-id-unknown", CELL_ID].sort());
  });

  test("--clause is exact: CONN-1 keeps CONN-1 only, never CONN-10 or CONN-11", {
    timeout: 120_000,
  }, async () => {
    // The built-in suites on the memory driver cite CONN-1, CONN-10 and CONN-11.
    const all = await listJson();
    const cited = new Set(all.cases.map((c) => c.clause));
    expect(cited).toContain("CONN-10");
    expect(cited).toContain("CONN-11");
    const conn1 = await listJson("--clause", "CONN-1");
    const clauses = new Set(selected(conn1.cases).map((c) => c.clause));
    expect([...clauses]).toEqual(["CONN-1"]);
    expect(selected(conn1.cases).length).toBe(
      all.cases.filter((c) => c.clause === "CONN-1").length,
    );
    const both = await listJson("--clause", "CONN-1,CONN-10");
    expect(new Set(selected(both.cases).map((c) => c.clause))).toEqual(
      new Set(["CONN-1", "CONN-10"]),
    );
  });

  test("an id pasted into --grep selects nothing: exit 2, saying --grep is a regex and giving the --id to use", {
    timeout: 120_000,
  }, async () => {
    for (const command of ["list", "run"]) {
      const { code, stdout, stderr } = await cli([command, ...TINY, "--grep", CELL_ID]);
      expect(code).toBe(2);
      expect(stdout).toBe("");
      expect(stderr).toBe(
        `driver-cert: no test selected by --grep ${JSON.stringify(CELL_ID)}: nothing to run\n` +
          `  hint: --grep is a case-insensitive regular expression matched against "<id> <title> <clause>"; ` +
          `[ ] ( ) . * + ? have their regex meaning. To select this test by its exact id: --id '${CELL_ID}'\n`,
      );
    }
  });

  test("a --grep that matches nothing, an unknown --id or --clause exit 2 naming the problem", {
    timeout: 120_000,
  }, async () => {
    const grep = await cli(["run", ...TINY, "--grep", "no-such-test"]);
    expect(grep.code).toBe(2);
    expect(grep.stderr).toMatch(
      /^driver-cert: no test selected by --grep "no-such-test": nothing to run\n {2}hint: --grep is a case-insensitive regular expression.* use --id <id> \(repeatable\) or --clause <id>\n$/,
    );
    const id = await cli(["list", ...TINY, "--id", "tiny-manager/get-for-id"]);
    expect(id.code).toBe(2);
    expect(id.stderr).toBe(
      "driver-cert: --id tiny-manager/get-for-id names no test: ids are exact (see `driver-cert list`)\n" +
        "  hint: did you mean --id tiny-manager/get-for-id-unknown?\n",
    );
    const clause = await cli(["list", ...TINY, "--clause", "conn-1"]);
    expect(clause.code).toBe(2);
    expect(clause.stderr).toContain("--clause conn-1 is not a clause of docs/CONTRACT.md");
    const untested = await cli(["list", ...TINY, "--clause", "MGR-1"]);
    expect(untested.code).toBe(2);
    expect(untested.stderr).toBe("driver-cert: --clause MGR-1: no test cites MGR-1\n");
  });

  test("--shard i/n splits the selected tests into disjoint slices that together are the whole plan", {
    timeout: 120_000,
  }, async () => {
    const whole = await listJson(...TINY);
    const shards = await Promise.all([1, 2, 3].map((i) => listJson(...TINY, "--shard", `${i}/3`)));
    const runIn = (plan: { cases: Listed[] }) =>
      plan.cases.filter((c) => c.skipKind !== "shard").map((c) => c.id);
    const union = shards.flatMap(runIn);
    expect(union.sort()).toEqual(whole.cases.map((c) => c.id).sort());
    expect(new Set(union).size).toBe(union.length);
    for (const shard of shards) {
      // Cases to run are dealt evenly: 7 over 3 shards is 3, 2, 2.
      expect(shard.totals.run).toBeGreaterThanOrEqual(2);
      expect(shard.partial).toBe(true);
      expect(shard.cases.find((c) => c.skipKind === "shard")?.reason).toMatch(
        /^not in this shard: run by --shard \d\/3$/,
      );
    }
    // Deterministic: the same split every time.
    expect(runIn(await listJson(...TINY, "--shard", "2/3"))).toEqual(runIn(shards[1]));
    const bad = await cli(["list", ...TINY, "--shard", "4/3"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("expected i/n with 1 <= i <= n");
  });

  test("--out - is refused with the flag to use instead; a bad reporter target too", {
    timeout: 120_000,
  }, async () => {
    const out = await mkdtemp(join(tmpdir(), "driver-cert-sel-"));
    try {
      const dash = await cli(["run", ...TINY, "--out", "-"]);
      expect(dash.code).toBe(2);
      expect(dash.stderr).toBe(
        "driver-cert: --out - is not supported: --out names a directory for report files\n" +
          "  hint: to write the JSON report to stdout use --reporter json:- (progress then goes to stderr)\n",
      );
      const target = await cli(["run", ...TINY, "--reporter", "json:file.json", "--out", out]);
      expect(target.code).toBe(2);
      expect(target.stderr).toContain("--reporter");
      expect(await readdir(out)).toEqual([]);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});

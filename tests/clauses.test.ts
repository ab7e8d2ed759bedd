/**
 * Clause coverage: every clause of docs/CONTRACT.md has at least one test in the built-in
 * suites (harness/suites/index.ts), and every suite registers without error.
 */
import { describe, expect, test } from "vitest";
import { CLAUSES } from "../harness/clauses.ts";
import { suites } from "../harness/suites/index.ts";

describe("the built-in suites", () => {
  test("register their tests without error", () => {
    for (const suite of suites) expect(() => suite.tests(), `suite ${suite.name}`).not.toThrow();
  });

  test("cover every clause of docs/CONTRACT.md", () => {
    const covered = new Set(suites.flatMap((suite) => suite.tests().map((t) => t.clause.id)));
    const missing = CLAUSES.filter((c) => !covered.has(c.id)).map((c) => c.id);
    expect(missing, "clauses with no test").toEqual([]);
  });
});

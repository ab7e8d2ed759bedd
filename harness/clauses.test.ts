import { describe, expect, test } from "vitest";
import { CLAUSES, findClause, parseContract } from "./clauses.ts";

const HEAD = "# The driver contract\n\nContract version **1**.\n\n";

describe("parseContract", () => {
  test("reads id, level, text with continuation lines, and section plus clause capabilities", () => {
    const md = `${HEAD}## SCHED: schedule (capability \`schedule\`)\n\n- **SCHED-1** MUST: runs the action\n  at or after the time.\n- **SCHED-4** MUST (capability \`durable\`): survives restart.\n\n## ERR\n\n- **ERR-1** SHOULD: codes.\n`;
    expect(parseContract(md)).toEqual([
      {
        id: "SCHED-1",
        area: "SCHED",
        level: "MUST",
        capabilities: ["schedule"],
        text: "runs the action at or after the time.",
      },
      {
        id: "SCHED-4",
        area: "SCHED",
        level: "MUST",
        capabilities: ["schedule", "durable"],
        text: "survives restart.",
      },
      { id: "ERR-1", area: "ERR", level: "SHOULD", capabilities: [], text: "codes." },
    ]);
  });

  test("refuses a duplicate id, an unknown capability and another contract version", () => {
    expect(() => parseContract(`${HEAD}- **A-1** MUST: x\n- **A-1** MUST: y\n`)).toThrow(
      /A-1 appears twice/,
    );
    expect(() => parseContract(`${HEAD}- **A-1** MUST (capability \`teleport\`): x\n`)).toThrow(
      /"teleport"/,
    );
    expect(() => parseContract("Contract version **2**.\n- **A-1** MUST: x\n")).toThrow(
      /version 2/,
    );
  });
});

describe("CLAUSES (docs/CONTRACT.md)", () => {
  test("carries section capabilities, clause capabilities and SHOULD levels", () => {
    expect(findClause("SCHED-4")?.capabilities).toEqual(["schedule", "durable"]);
    expect(findClause("RESTART-1")?.capabilities).toEqual(["durable"]);
    expect(findClause("ROUTE-2")?.capabilities).toEqual(["sse"]);
    expect(findClause("MGR-8")?.level).toBe("SHOULD");
    expect(findClause("NOPE-1")).toBeUndefined();
    expect(new Set(CLAUSES.map((c) => c.id)).size).toBe(CLAUSES.length);
    expect(CLAUSES.every((c) => c.text.length > 0)).toBe(true);
  });
});

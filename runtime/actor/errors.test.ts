import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { CLIENT_ERROR_CATALOGUE } from "../client/errors.ts";
import {
  ActorError,
  deconstructError,
  ERROR_CATALOGUE,
  MASKED_MESSAGE,
  UserError,
} from "./errors.ts";

/** Rows `| \`code\` | status | visibility | ... |` of the catalogue tables in docs/protocol.md. */
function documentedCodes(): Map<string, { status: number; visibility: string }> {
  const doc = readFileSync(new URL("../../docs/protocol.md", import.meta.url), "utf8");
  const rows = new Map<string, { status: number; visibility: string }>();
  for (const m of doc.matchAll(
    /^\|\s*`([a-z_]+)`\s*\|\s*(\d+)\s*\|\s*(public|internal|client)\s*\|/gm,
  )) {
    rows.set(m[1], { status: Number(m[2]), visibility: m[3] });
  }
  return rows;
}

describe("the error catalogue", () => {
  test("docs/protocol.md lists every code with the catalogue's status and visibility (ERR-1)", () => {
    const documented = documentedCodes();
    const expected = new Map<string, { status: number; visibility: string }>();
    for (const [code, spec] of Object.entries(ERROR_CATALOGUE)) {
      expected.set(code, { status: spec.status, visibility: spec.public ? "public" : "internal" });
    }
    for (const [code, spec] of Object.entries(CLIENT_ERROR_CATALOGUE)) {
      expected.set(code, { status: spec.status, visibility: "client" });
    }
    expect(Object.fromEntries(documented)).toEqual(Object.fromEntries(expected));
  });

  test("public errors keep code, message and metadata; internal ones are masked unless exposed (ERR-3, ERR-4)", () => {
    const user = new UserError("no such item", { code: "item_missing", metadata: { id: 7 } });
    expect(deconstructError(user, false)).toMatchObject({
      code: "item_missing",
      message: "no such item",
      metadata: { id: 7 },
      status: 400,
    });
    const internal = new ActorError("invalid_state_type", "state.x is a function");
    expect(deconstructError(internal, false)).toMatchObject({
      code: "internal_error",
      message: MASKED_MESSAGE,
      status: 500,
    });
    expect(deconstructError(internal, true)).toMatchObject({
      code: "invalid_state_type",
      message: "state.x is a function",
    });
    expect(deconstructError(new Error("boom"), false).message).toBe(MASKED_MESSAGE);
    expect(deconstructError(new Error("boom"), true)).toMatchObject({
      code: "internal_error",
      message: "boom",
    });
  });
});

import { describe, expect, test } from "vitest";
import { ActorError } from "../actor/errors.ts";
import { decodeAuthData, encodeAuthData } from "./auth-data.ts";

describe("encodeAuthData()/decodeAuthData()", () => {
  test.each<[string, unknown]>([
    ["null", null],
    ["zero", 0],
    ["empty string", ""],
    ["false", false],
    ["-0", -0],
    ["an object", { user: "ann", roles: ["admin"] }],
    [
      "rich values",
      { since: new Date(9), id: 2n ** 65n, perms: new Set(["r"]), raw: new Uint8Array([1]) },
    ],
    ["undefined", undefined],
  ])("%s survives exactly", (_name, value) => {
    const header = encodeAuthData(value);
    expect(header).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(decodeAuthData(header)).toStrictEqual(value);
  });

  test("an absent or empty header is undefined", () => {
    expect(decodeAuthData(null)).toBeUndefined();
    expect(decodeAuthData(undefined)).toBeUndefined();
    expect(decodeAuthData("")).toBeUndefined();
  });

  test.each(["not base64!", "/w=="])("a broken header %j is invalid_request", (value) => {
    let error: unknown;
    try {
      decodeAuthData(value);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ActorError);
    expect((error as ActorError).code).toBe("invalid_request");
  });

  test("a value CBOR cannot carry fails with serialization_error", () => {
    expect(() => encodeAuthData({ f: () => 1 })).toThrow(/f is a function/);
  });
});

import { describe, expect, test } from "vitest";
import type { ActorError } from "../actor/errors.ts";
import {
  checkProtocolVersion,
  HEADER_AUTH_DATA,
  HEADER_ENCODING,
  HEADER_EXPOSE_ERRORS,
  INTERNAL_HEADER_PREFIX,
  stripInternalHeaders,
} from "./headers.ts";

describe("stripInternalHeaders()", () => {
  test("removes every x-actor-internal- header, in any case, and keeps the rest (AUTH-5)", () => {
    const input = new Headers({
      [HEADER_AUTH_DATA]: "9g==",
      "X-Actor-Internal-Expose-Errors": "1",
      "x-actor-internal-anything-new": "x",
      [HEADER_ENCODING]: "json",
      accept: "*/*",
    });
    const out = stripInternalHeaders(input);
    expect([...out.keys()].filter((name) => name.startsWith(INTERNAL_HEADER_PREFIX))).toEqual([]);
    expect(out.get(HEADER_EXPOSE_ERRORS)).toBeNull();
    expect(out.get(HEADER_ENCODING)).toBe("json");
    expect(out.get("accept")).toBe("*/*");
  });

  test("returns a new object and leaves the input untouched", () => {
    const input = new Headers({ [HEADER_AUTH_DATA]: "x" });
    const out = stripInternalHeaders(input);
    expect(out).not.toBe(input);
    expect(input.get(HEADER_AUTH_DATA)).toBe("x");
  });

  test("keeps repeated set-cookie headers separate", () => {
    const input = new Headers();
    input.append("set-cookie", "a=1");
    input.append("set-cookie", "b=2");
    expect(stripInternalHeaders(input).getSetCookie()).toEqual(["a=1", "b=2"]);
  });
});

describe("checkProtocolVersion()", () => {
  test("absent, empty and 1 are accepted", () => {
    for (const value of [null, undefined, "", "1", " 1 "])
      expect(() => checkProtocolVersion(value)).not.toThrow();
  });

  test.each(["2", "0", "v1", "1.0"])("%j is unsupported_protocol_version", (value) => {
    let error: unknown;
    try {
      checkProtocolVersion(value);
    } catch (e) {
      error = e;
    }
    expect((error as ActorError).code).toBe("unsupported_protocol_version");
    expect((error as ActorError).message).toContain(JSON.stringify(value));
  });
});

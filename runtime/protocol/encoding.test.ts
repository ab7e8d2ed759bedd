import { describe, expect, test } from "vitest";
import { ActorError } from "../actor/errors.ts";
import { contentTypeFor, decodeValue, encodeValue, parseEncoding } from "./encoding.ts";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof ActorError ? error.code : `not an ActorError: ${String(error)}`;
  }
  return undefined;
}

describe("parseEncoding()", () => {
  test("accepts exactly json and cbor", () => {
    expect(parseEncoding("json")).toBe("json");
    expect(parseEncoding("cbor")).toBe("cbor");
  });

  test.each([null, undefined, "", "JSON", "msgpack", " json"])(
    "rejects %j with invalid_encoding",
    (value) => {
      expect(codeOf(() => parseEncoding(value))).toBe("invalid_encoding");
    },
  );

  test("the message names the bad value", () => {
    expect(() => parseEncoding("msgpack")).toThrow(/"msgpack"/);
  });
});

describe("contentTypeFor()", () => {
  test("maps each encoding to its media type", () => {
    expect(contentTypeFor("json")).toBe("application/json");
    expect(contentTypeFor("cbor")).toBe("application/cbor");
  });
});

describe("encodeValue()/decodeValue()", () => {
  const jsonValues: unknown[] = [
    null,
    0,
    1.5,
    "é🎉",
    [1, [2, { a: null }]],
    { a: { b: [true, false] } },
    {},
  ];

  test.each(jsonValues)("json round-trips %j", (value) => {
    const text = encodeValue(value, "json");
    expect(typeof text).toBe("string");
    expect(decodeValue(text, "json")).toStrictEqual(value);
  });

  test.each(jsonValues)("cbor round-trips %j", (value) => {
    const bytes = encodeValue(value, "cbor");
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(decodeValue(bytes, "cbor")).toStrictEqual(value);
  });

  test("json omits undefined properties and sends -0 as 0", () => {
    expect(decodeValue(encodeValue({ a: undefined, z: -0 }, "json"), "json")).toStrictEqual({
      z: 0,
    });
  });

  test("json refuses an undefined root and non-JSON values with serialization_error", () => {
    expect(codeOf(() => encodeValue(undefined, "json"))).toBe("serialization_error");
    expect(() => encodeValue({ args: [1n] }, "json")).toThrow("args[0] is a BigInt");
  });

  test("cbor carries an undefined root", () => {
    expect(decodeValue(encodeValue(undefined, "cbor"), "cbor")).toBeUndefined();
  });

  test("json accepts UTF-8 bytes and an ArrayBuffer", () => {
    const bytes = new TextEncoder().encode('{"k":"日本"}');
    expect(decodeValue(bytes, "json")).toStrictEqual({ k: "日本" });
    expect(decodeValue(bytes.slice().buffer, "json")).toStrictEqual({ k: "日本" });
  });

  test.each<[string, string | Uint8Array]>([
    ["bad JSON text", "{nope"],
    ["empty text", ""],
    ["invalid UTF-8 bytes", new Uint8Array([0x7b, 0xff, 0x7d])],
  ])("json: %s is malformed_message", (_name, data) => {
    expect(codeOf(() => decodeValue(data, "json"))).toBe("malformed_message");
  });

  test("cbor: text is malformed_message, not decoded", () => {
    expect(codeOf(() => decodeValue("a1", "cbor"))).toBe("malformed_message");
  });
});

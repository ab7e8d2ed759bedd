import { describe, expect, test } from "vitest";
import { ActorError } from "../actor/errors.ts";
import { bytesToBase64 } from "./base64.ts";
import { MAX_CONN_PARAMS_BYTES } from "./limits.ts";
import {
  type ActorQuery,
  parseConnParams,
  parseQuery,
  serializeConnParams,
  serializeQuery,
  validateKey,
} from "./query.ts";
import { encodeCbor } from "./values.ts";

function thrown(fn: () => unknown): ActorError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ActorError) return error;
    throw new Error(`expected an ActorError, got ${String(error)}`);
  }
  throw new Error("expected an ActorError, nothing was thrown");
}

describe("validateKey()", () => {
  test.each([
    [[]],
    [[""]],
    [["a", "b"]],
    [["a/b"]],
    [["日本", "🎉", "\u0000"]],
    [Array(16).fill("k")],
    [["é".repeat(128)]],
  ])("accepts %j (KEY-1..KEY-4)", (key) => {
    expect(validateKey(key)).toStrictEqual(key);
  });

  test.each<[string, unknown, string]>([
    ["a string", "a", "must be an array"],
    ["null", null, "must be an array"],
    ["17 components", Array(17).fill("k"), "17 components; the limit is 16"],
    ["a number component", ["a", 1], "component 1 is a number"],
    ["a null component", [null], "component 0 is null"],
    ["a component over 256 bytes", ["ok", "é".repeat(129)], "component 1 is 258 UTF-8 bytes"],
    ["a lone surrogate", ["\uD800x"], "component 0 is not well-formed"],
  ])("rejects %s with invalid_key naming the component and reason", (_name, key, part) => {
    const error = thrown(() => validateKey(key));
    expect(error.code).toBe("invalid_key");
    expect(error.message).toContain(part);
  });
});

describe("parseQuery()", () => {
  const queries: ActorQuery[] = [
    { getForId: { actorId: "abc" } },
    { getForKey: { name: "counter", key: [] } },
    { getForKey: { name: "counter", key: ["a", "b"] } },
    { getOrCreateForKey: { name: "counter", key: ["日本"], input: { n: 1 }, region: "eu" } },
    { getOrCreateForKey: { name: "counter", key: [""] } },
    { create: { name: "counter", key: ["x"], input: [1, "two"] } },
  ];

  test.each(queries)("round-trips %j through serializeQuery", (query) => {
    const text = serializeQuery(query);
    expect(text).toMatch(/^[\x20-\x7e]*$/);
    expect(parseQuery(text)).toStrictEqual(query);
  });

  test("an input JSON cannot carry travels as $cbor and comes back exactly", () => {
    const input = {
      when: new Date(7),
      big: 2n ** 70n,
      m: new Map([[1, new Set(["s"])]]),
      b: new Uint8Array([1]),
    };
    const text = serializeQuery({ create: { name: "c", key: [], input } });
    expect(JSON.parse(text).create.input).toHaveProperty("$cbor");
    expect(parseQuery(text)).toStrictEqual({ create: { name: "c", key: [], input } });
  });

  test("a JSON input that looks like a $cbor wrapper is wrapped, so it is not misread", () => {
    const input = { $cbor: "AQ==" };
    const text = serializeQuery({ getOrCreateForKey: { name: "c", key: [], input } });
    expect(parseQuery(text)).toStrictEqual({ getOrCreateForKey: { name: "c", key: [], input } });
  });

  test("a $cbor input from a client is unwrapped", () => {
    const text = JSON.stringify({
      create: { name: "c", key: [], input: { $cbor: bytesToBase64(encodeCbor(5n)) } },
    });
    expect(parseQuery(text)).toStrictEqual({ create: { name: "c", key: [], input: 5n } });
  });

  test.each([null, undefined, ""])("a missing query (%j) is invalid_request", (value) => {
    expect(thrown(() => parseQuery(value)).code).toBe("invalid_request");
  });

  test.each<[string, string]>([
    ["bad JSON", "{getForId"],
    ["an array", "[]"],
    ["a string", '"x"'],
    ["no form", "{}"],
    ["an unknown form", '{"getAll":{}}'],
    ["two forms", '{"getForId":{"actorId":"a"},"create":{"name":"c","key":[]}}'],
    ["a missing actorId", '{"getForId":{}}'],
    ["a numeric name", '{"getForKey":{"name":1,"key":[]}}'],
    ["a missing key", '{"create":{"name":"c"}}'],
    ["a non-string region", '{"create":{"name":"c","key":[],"region":5}}'],
    ["a bad $cbor base64", '{"create":{"name":"c","key":[],"input":{"$cbor":"!!"}}}'],
    ["a bad $cbor payload", '{"create":{"name":"c","key":[],"input":{"$cbor":"/w=="}}}'],
  ])("%s is invalid_query", (_name, text) => {
    expect(thrown(() => parseQuery(text)).code).toBe("invalid_query");
  });

  test("a bad key is invalid_key naming the component", () => {
    const error = thrown(() => parseQuery('{"getForKey":{"name":"c","key":["a",2]}}'));
    expect(error.code).toBe("invalid_key");
    expect(error.message).toContain("component 1");
    expect(thrown(() => parseQuery('{"create":{"name":"c","key":"a"}}')).code).toBe("invalid_key");
  });

  test("serializeQuery refuses a bad key with invalid_key", () => {
    expect(
      thrown(() => serializeQuery({ getForKey: { name: "c", key: Array(17).fill("k") } })).code,
    ).toBe("invalid_key");
  });
});

describe("connection params", () => {
  test("absent or empty is undefined", () => {
    expect(parseConnParams(null)).toBeUndefined();
    expect(parseConnParams(undefined)).toBeUndefined();
    expect(parseConnParams("")).toBeUndefined();
  });

  test.each([null, 0, "", { token: "ü" }, [1, { a: [] }]])(
    "%j round-trips through the header form",
    (params) => {
      const header = serializeConnParams(params);
      expect(header).toMatch(/^[\x20-\x7e]*$/);
      expect(parseConnParams(header)).toStrictEqual(params);
    },
  );

  test("undefined params serialize to no header", () => {
    expect(serializeConnParams(undefined)).toBeUndefined();
  });

  test("bad JSON is invalid_params", () => {
    expect(thrown(() => parseConnParams("{x")).code).toBe("invalid_params");
  });

  test("params over the limit are invalid_params naming size and limit", () => {
    const header = JSON.stringify("x".repeat(MAX_CONN_PARAMS_BYTES));
    const error = thrown(() => parseConnParams(header));
    expect(error.code).toBe("invalid_params");
    expect(error.message).toContain(`${header.length} bytes`);
    expect(error.message).toContain(`${MAX_CONN_PARAMS_BYTES}`);
    expect(thrown(() => serializeConnParams("x".repeat(MAX_CONN_PARAMS_BYTES))).code).toBe(
      "invalid_params",
    );
  });

  test("params exactly at the limit pass", () => {
    const header = JSON.stringify("x".repeat(MAX_CONN_PARAMS_BYTES - 2));
    expect(header.length).toBe(MAX_CONN_PARAMS_BYTES);
    expect(parseConnParams(header)).toBe("x".repeat(MAX_CONN_PARAMS_BYTES - 2));
  });

  test("non-JSON params fail to serialize with serialization_error naming the path", () => {
    const error = thrown(() => serializeConnParams({ at: new Date() }));
    expect(error.code).toBe("serialization_error");
    expect(error.message).toContain("params.at is a Date");
  });
});

import { describe, expect, test } from "vitest";
import { ActorError } from "../actor/errors.ts";
import {
  assertCborEncodable,
  assertJsonEncodable,
  decodeCbor,
  encodeCbor,
  isJsonEncodable,
} from "./values.ts";

/** Every value kind CBOR promises to carry exactly (docs/protocol.md, "Values"; ACT-2). */
const CBOR_CASES: Array<[string, unknown]> = [
  ["Uint8Array", new Uint8Array([0, 1, 254, 255])],
  ["empty Uint8Array", new Uint8Array(0)],
  ["Uint8Array subarray", new Uint8Array([9, 8, 7, 6]).subarray(1, 3)],
  ["small positive BigInt", 5n],
  ["zero BigInt", 0n],
  ["small negative BigInt", -5n],
  ["BigInt at 2^64 - 1", 2n ** 64n - 1n],
  ["BigInt at -(2^64)", -(2n ** 64n)],
  ["huge positive BigInt", 2n ** 200n + 12345n],
  ["huge negative BigInt", -(3n ** 150n)],
  ["small integer number", 5],
  ["negative integer number", -70000],
  ["32-bit boundary number", 4294967296],
  ["integer number above 2^53", 2 ** 60],
  ["MAX_SAFE_INTEGER", Number.MAX_SAFE_INTEGER],
  ["fraction", 0.1],
  ["Date", new Date(1_700_000_000_123)],
  ["Date before 1970", new Date(-123_456_789)],
  ["Date at the end of time", new Date(8.64e15)],
  ["Date far in the past with ms", new Date(-4433510364384181)],
  ["Invalid Date", new Date(Number.NaN)],
  ["Map with string keys", new Map([["a", 1]])],
  [
    "Map with non-string keys",
    new Map<unknown, unknown>([
      [1, "one"],
      [true, "yes"],
      [{ k: 1 }, [2]],
    ]),
  ],
  ["empty Map", new Map()],
  ["plain object", { a: 1, b: "two" }],
  ["empty plain object", {}],
  ["Set", new Set([1, "a", 2n])],
  ["empty Set", new Set()],
  ["undefined", undefined],
  ["undefined in an array", [1, undefined, 3]],
  ["undefined property", { a: undefined, b: 1 }],
  ["NaN", Number.NaN],
  ["Infinity", Number.POSITIVE_INFINITY],
  ["-Infinity", Number.NEGATIVE_INFINITY],
  ["-0", -0],
  ["-0 among integers", [1, -0, 2, 2 ** 40]],
  ["null", null],
  ["booleans", [true, false]],
  ["unicode string", "héllo 日本 🎉"],
  ["Float64Array", new Float64Array([1.5, -0, Number.NaN])],
  ["Int32Array", new Int32Array([1, -2])],
  ["BigInt64Array", new BigInt64Array([1n, -1n])],
  [
    "nested combination",
    {
      when: new Date(86_400_000),
      bytes: new Uint8Array([1, 2]),
      tags: new Set([new Map([["k", new Set([-0, undefined])]])]),
      big: [2n ** 70n, -(2n ** 70n), 1n],
      plainInMap: new Map([["p", { q: { r: [Number.NaN, undefined, { s: null }] } }]]),
      deepObject: { x: { y: { z: new Map([[new Uint8Array([3]), new Date(0)]]) } } },
    },
  ],
];

function roundTrip(value: unknown): unknown {
  return decodeCbor(encodeCbor(value));
}

function expectCode(fn: () => unknown, code: string, ...parts: string[]): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `expected ${code}`).toBeInstanceOf(ActorError);
  expect((thrown as ActorError).code).toBe(code);
  for (const part of parts) expect((thrown as ActorError).message).toContain(part);
}

describe("encodeCbor()/decodeCbor()", () => {
  test("the equality matcher tells apart what the round trips must keep apart", () => {
    // If toStrictEqual ever blurred these, the round-trip tests below would pass vacuously.
    expect([-0]).not.toStrictEqual([0]);
    expect(new Uint8Array([1])).not.toStrictEqual(Buffer.from([1]));
    expect(1n).not.toStrictEqual(1);
    expect(new Map([["a", 1]])).not.toStrictEqual({ a: 1 });
    expect(new Set([1])).not.toStrictEqual([1]);
    expect({ a: undefined }).not.toStrictEqual({});
    expect([undefined]).not.toStrictEqual([null]);
  });

  test.each(CBOR_CASES)("round-trips %s exactly", (_name, value) => {
    expect(roundTrip(value)).toStrictEqual(value);
  });

  test("keeps each type: bigint stays bigint, numbers stay numbers, -0 keeps its sign", () => {
    const out = roundTrip({
      a: 5n,
      b: 5,
      c: 2 ** 60,
      d: -0,
      e: Number.NaN,
      f: -(2n ** 100n),
    }) as Record<string, unknown>;
    expect(typeof out.a).toBe("bigint");
    expect(typeof out.b).toBe("number");
    expect(typeof out.c).toBe("number");
    expect(out.c).toBe(2 ** 60);
    expect(Object.is(out.d, -0)).toBe(true);
    expect(Number.isNaN(out.e)).toBe(true);
    expect(out.f).toBe(-(2n ** 100n));
  });

  test("Buffer and Uint8Array decode as plain Uint8Array, never Buffer", () => {
    const out = roundTrip({ b: Buffer.from([1, 2, 3]), u: new Uint8Array([4]) }) as Record<
      string,
      unknown
    >;
    expect((out.b as object).constructor).toBe(Uint8Array);
    expect((out.u as object).constructor).toBe(Uint8Array);
    expect(Array.from(out.b as Uint8Array)).toEqual([1, 2, 3]);
  });

  test("decoded byte strings do not alias the frame they came from", () => {
    const frame = encodeCbor(new Uint8Array([7, 7, 7]));
    const out = decodeCbor(frame) as Uint8Array;
    frame.fill(0);
    expect(Array.from(out)).toEqual([7, 7, 7]);
  });

  test("decodes from an ArrayBuffer and from a Buffer", () => {
    const bytes = encodeCbor({ a: [1n] });
    const copy = bytes.slice();
    expect(decodeCbor(copy.buffer)).toStrictEqual({ a: [1n] });
    expect(decodeCbor(Buffer.from(bytes))).toStrictEqual({ a: [1n] });
  });

  test("encodes a plain Uint8Array, not a Buffer, and never uses cbor-x record tags", () => {
    const bytes = encodeCbor({ a: 1, b: [{ a: 2 }, { a: 3 }] });
    expect(bytes.constructor).toBe(Uint8Array);
    // Standard map header (0xa2), no record definition tag (0xd9 0xdf..).
    expect(bytes[0]).toBe(0xa2);
    expect(Array.from(bytes)).not.toContain(0xdf);
  });

  test("uses the standard tags: 1 for Date, 2/3 for bignums, 258 for Set, 259 for Map", () => {
    expect(encodeCbor(new Date(1000))[0]).toBe(0xc1);
    expect(encodeCbor(2n ** 64n)[0]).toBe(0xc2);
    expect(encodeCbor(-(2n ** 64n) - 1n)[0]).toBe(0xc3);
    expect(Array.from(encodeCbor(new Set()).subarray(0, 3))).toEqual([0xd9, 0x01, 0x02]);
    expect(Array.from(encodeCbor(new Map()).subarray(0, 3))).toEqual([0xd9, 0x01, 0x03]);
  });

  test("rejects functions and symbols at encode time with serialization_error", () => {
    expectCode(() => encodeCbor({ a: [() => 1] }), "serialization_error", "a[0]", "function");
    expectCode(() => encodeCbor(Symbol("s")), "serialization_error", "symbol");
    expectCode(() => encodeCbor(new Map([["k", Symbol("s")]])), "serialization_error", '.get("k")');
    expectCode(() => encodeCbor({ [Symbol("k")]: 1 }), "serialization_error", "symbol-keyed");
  });

  test("rejects class instances, ArrayBuffer, __proto__ keys and cycles", () => {
    class Point {
      x = 1;
    }
    expectCode(
      () => encodeCbor({ p: new Point() }),
      "serialization_error",
      "p is an instance of Point",
    );
    expectCode(
      () => encodeCbor(new ArrayBuffer(2)),
      "serialization_error",
      "ArrayBuffer",
      "Uint8Array",
    );
    expectCode(() => encodeCbor(JSON.parse('{"__proto__":1}')), "serialization_error", "__proto__");
    const cyclic: Record<string, unknown> = { inner: {} };
    (cyclic.inner as Record<string, unknown>).back = cyclic;
    expectCode(() => encodeCbor(cyclic), "serialization_error", "inner.back", "cycle");
  });

  test("encoded bytes stay intact after many later encodes", () => {
    const first = encodeCbor({ keep: "x".repeat(100) });
    const snapshot = Array.from(first);
    for (let i = 0; i < 2000; i++) encodeCbor({ other: "y".repeat(i % 300), i });
    expect(Array.from(first)).toEqual(snapshot);
  });

  test("nesting too deep for the stack is serialization_error, not a crash", () => {
    let deep: unknown = [];
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expectCode(() => encodeCbor(deep), "serialization_error", "nested too deeply");
    expectCode(() => assertJsonEncodable(deep), "serialization_error", "nested too deeply");
  });

  test("a value shared twice without a cycle is carried twice", () => {
    const shared = { n: 1 };
    expect(roundTrip([shared, shared])).toStrictEqual([{ n: 1 }, { n: 1 }]);
  });

  test("assertCborEncodable names the path from the given root", () => {
    expectCode(
      () => assertCborEncodable({ f: () => 0 }, "output"),
      "serialization_error",
      "output.f is a function",
    );
  });
});

describe("decodeCbor() on malformed input", () => {
  test.each<[string, Uint8Array]>([
    ["empty input", new Uint8Array(0)],
    ["a truncated array", new Uint8Array([0x82, 0x01])],
    ["a truncated string", new Uint8Array([0x65, 0x61, 0x62])],
    ["a stray break code", new Uint8Array([0xff])],
    ["trailing bytes after one item", new Uint8Array([0x01, 0x02])],
    ["a reserved additional-info value", new Uint8Array([0x1c])],
  ])("%s is malformed_message", (_name, bytes) => {
    expectCode(() => decodeCbor(bytes), "malformed_message", "cbor");
  });

  test("nesting deep enough to exhaust the stack is malformed_message, not a crash", () => {
    const bytes = new Uint8Array(60_000).fill(0x81);
    expectCode(() => decodeCbor(bytes), "malformed_message");
  });
});

describe("assertJsonEncodable()", () => {
  test.each<[string, unknown, string]>([
    ["BigInt", { n: 1n }, "value.n is a BigInt"],
    ["Date", { args: [{ when: new Date() }] }, "value.args[0].when is a Date"],
    ["Map", [new Map()], "value[0] is a Map"],
    ["Set", { s: new Set() }, "value.s is a Set"],
    ["Uint8Array", { b: new Uint8Array(1) }, "value.b is a Uint8Array"],
    ["Buffer", { b: Buffer.from([1]) }, "value.b is a Buffer"],
    ["Float64Array", { b: new Float64Array(1) }, "value.b is a Float64Array"],
    ["ArrayBuffer", { b: new ArrayBuffer(1) }, "value.b is an ArrayBuffer"],
    ["undefined inside an array", { a: [1, undefined] }, "value.a[1] is undefined inside an array"],
    ["a hole in an array", { a: new Array(2) }, "value.a[0] is undefined inside an array"],
    ["NaN", { x: Number.NaN }, "value.x is NaN"],
    ["Infinity", { x: Number.POSITIVE_INFINITY }, "value.x is Infinity"],
    ["-Infinity", { x: Number.NEGATIVE_INFINITY }, "value.x is -Infinity"],
    ["function", { f() {} }, "value.f is a function"],
    ["symbol", { s: Symbol("x") }, "value.s is a symbol"],
    ["class instance", { e: new Error("x") }, "value.e is an instance of Error"],
    ["quoted key", { "a b": 1n }, 'value["a b"] is a BigInt'],
  ])("rejects %s with serialization_error naming the path", (_name, value, message) => {
    expectCode(() => assertJsonEncodable(value), "serialization_error", message);
    expect(isJsonEncodable(value)).toBe(false);
  });

  test("names a cycle and where it points back to", () => {
    const a: unknown[] = [];
    a.push({ self: a });
    expectCode(
      () => assertJsonEncodable(a, "args"),
      "serialization_error",
      "args[0].self refers back to args",
    );
  });

  test("the message says json carries JSON values only and suggests cbor", () => {
    expectCode(
      () => assertJsonEncodable([{ when: new Date(0) }], "args"),
      "serialization_error",
      "args[0].when is a Date; the json encoding carries JSON values only (use cbor)",
    );
  });

  test("accepts JSON values, undefined properties, a root undefined, -0 and null prototypes", () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare.k = [1, "x", null, true, { y: -0 }];
    for (const value of [null, 0, -0, "s", [], {}, { a: undefined }, undefined, bare, [[[]]]]) {
      expect(() => assertJsonEncodable(value)).not.toThrow();
      expect(isJsonEncodable(value)).toBe(true);
    }
  });
});

describe("decodeCbor() on CBOR from other encoders", () => {
  test("tag 1 holding a 64-bit integer of seconds decodes as that Date", () => {
    // c1 1b 00 00 00 00 00 00 00 0a: tag 1, uint64 10 (seconds).
    const bytes = new Uint8Array([0xc1, 0x1b, 0, 0, 0, 0, 0, 0, 0, 0x0a]);
    expect(decodeCbor(bytes)).toStrictEqual(new Date(10_000));
  });

  test("tag 1 holding a string is malformed_message", () => {
    expectCode(() => decodeCbor(new Uint8Array([0xc1, 0x61, 0x78])), "malformed_message");
  });
});

describe("decodeCbor() refuses shared-value tags", () => {
  test("a cycle built with tags 28/29 is malformed_message", () => {
    // d8 1c 81 d8 1d 00: tag 28 [ tag 29 (0) ], an array containing itself.
    const bytes = new Uint8Array([0xd8, 0x1c, 0x81, 0xd8, 0x1d, 0x00]);
    expectCode(() => decodeCbor(bytes), "malformed_message", "tag 28 is not allowed");
  });

  test("tag 28 alone (a shareable value) is refused too", () => {
    expectCode(() => decodeCbor(new Uint8Array([0xd8, 0x1c, 0x01])), "malformed_message", "tag 28");
  });
});
